// SPDX-License-Identifier: Apache-2.0
package dev.hearth.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * One job on the coordinator, by id: its state, logs, receipt and outputs. A handle holds no state of the job's
 * (each call asks the coordinator), so it may be kept, shared between threads and used after a restart of the
 * caller. Thread-safe.
 */
public final class Job {

    private final HearthClient client;
    private final Transport transport;
    private final String id;
    private final Optional<JobInfo> submitted;
    private final boolean replayed;

    Job(HearthClient client, Transport transport, String id, Optional<JobInfo> submitted, boolean replayed) {
        this.client = client;
        this.transport = transport;
        this.id = id;
        this.submitted = submitted;
        this.replayed = replayed;
    }

    /** The job's id. */
    public String id() {
        return id;
    }

    /** The coordinator's answer to the submit that made this handle (empty for {@link Jobs#job(String)}). */
    public Optional<JobInfo> submitted() {
        return submitted;
    }

    /** Whether the submit's answer was a replay: an earlier try with the same key had made the job. */
    public boolean replayed() {
        return replayed;
    }

    /** The job now. */
    public JobInfo status() throws IOException, InterruptedException {
        return JobInfo.of(transport.json(Endpoint.GET_JOB, List.of(id), null));
    }

    /**
     * Waits until the job is final (completed, failed or cancelled) and returns it.
     *
     * @throws TimeoutException when it is not final within {@code timeout}; the message says where it stands
     */
    public JobInfo waitFor(Duration timeout) throws IOException, InterruptedException, TimeoutException {
        Instant deadline = client.clock().instant().plus(timeout);
        Duration pause = Duration.ofMillis(100);
        while (true) {
            JobInfo now = status();
            if (now.isFinal()) {
                return now;
            }
            if (!client.clock().instant().isBefore(deadline)) {
                throw new TimeoutException("job " + id + " is not final after " + timeout + ": it is " + now.state()
                        + (now.nodeId() == null ? "" : " on node " + now.nodeId()) + " (attempt " + now.attempts()
                        + (now.reason() == null ? "" : ", " + now.reason()) + "); wait longer, or cancel it");
            }
            Thread.sleep(pause.toMillis());
            pause = pause.multipliedBy(2).compareTo(client.pollInterval()) > 0 ? client.pollInterval()
                    : pause.multipliedBy(2);
        }
    }

    /**
     * Cancels the job; returns it as it is after the cancel.
     *
     * @throws HearthApiException {@code 409 already_final} when it had already ended
     */
    public JobInfo cancel() throws IOException, InterruptedException {
        return JobInfo.of(transport.json(Endpoint.CANCEL_JOB, List.of(id), null));
    }

    /** The job's logs from byte {@code offset}: a running job's output so far, or a finished job's logs. */
    public LogChunk logs(long offset) throws IOException, InterruptedException {
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be 0 or more; got " + offset);
        }
        HttpRequest req = transport.request(Endpoint.JOB_LOGS, List.of(id), "offset=" + offset, transport.callTimeout())
                .GET().build();
        HttpResponse<String> r = transport.send(Endpoint.JOB_LOGS, req, transport.callTimeout());
        return new LogChunk(r.body(), offset + r.body().getBytes(StandardCharsets.UTF_8).length, epoch(r),
                complete(r));
    }

    /**
     * Hands the job's output to {@code sink} as it comes ({@code ?follow=1}), until the job's log is complete;
     * returns the final job. A stream the coordinator ends (its follow deadline), a dropped connection (up to
     * {@value #MAX_DROPS} in a row), a wait for the first bytes longer than the client's transfer timeout (the
     * coordinator sends its headers with the first output) or a {@code 429} (too many open follows) is opened
     * again from the byte offset and lease epoch reached. Where the job was placed again, the line
     * {@code --- hearth: job placed again (epoch N) ---} comes first and the new lease's output follows it.
     * {@code sink} is called on this thread.
     */
    public JobInfo followLogs(Consumer<String> sink) throws IOException, InterruptedException {
        LogStream log = new LogStream(sink);
        int dropped = 0;
        while (true) {
            log.reconnecting();
            HttpRequest req = transport.request(Endpoint.JOB_LOGS, List.of(id), "follow=1&offset=" + log.offset()
                    + (log.epoch() >= 0 ? "&epoch=" + log.epoch() : ""), client.transferTimeout()).GET().build();
            long opened = System.nanoTime();
            HttpResponse<InputStream> r;
            try {
                r = transport.open(Endpoint.JOB_LOGS, req);
            } catch (java.net.http.HttpTimeoutException quiet) {
                continue; // the coordinator answers with the first output: nothing yet, ask again from here
            } catch (HearthApiException refused) {
                if (refused.status() != 429) {
                    throw refused;
                }
                // too many open follows of this caller: wait as asked (or a poll interval), then again
                Thread.sleep(refused.retryAfter().orElse(client.pollInterval()).toMillis());
                continue;
            } catch (IOException e) {
                if (++dropped > MAX_DROPS) {
                    throw e;
                }
                Thread.sleep(client.pollInterval().toMillis() * dropped);
                continue;
            }
            dropped = 0;
            log.answeredEpoch(epoch(r));
            long before = log.offset();
            try (InputStream in = r.body()) {
                byte[] buffer = new byte[16 * 1024];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    log.feed(buffer, n);
                }
            } catch (IOException e) {
                continue; // dropped mid-stream: again from what was handed on
            }
            if (complete(r)) {
                log.finish();
                return status();
            }
            long heldMillis = (System.nanoTime() - opened) / 1_000_000;
            if (log.offset() == before && heldMillis < client.pollInterval().toMillis()) {
                // a coordinator that answers at once rather than holding the stream open: poll, do not spin
                Thread.sleep(client.pollInterval().toMillis() - heldMillis);
            }
        }
    }

    /** Connections a follow may lose in a row before it gives up. */
    static final int MAX_DROPS = 5;

    /**
     * The job's receipt, verified here with the Ed25519 key its node registered: the one the coordinator serves with
     * the receipt ({@code Hearth-Node-Key}), else {@code GET /v1/nodes/{id}} (an admin or operator token). The
     * receipt's key fingerprint must match it; {@link #receipt(PublicKey)} takes a key the caller trusts instead.
     *
     * @throws VerificationException when the format, job, key fingerprint or signature does not hold
     * @throws HearthApiException {@code 404 no_receipt} while the job has no signed result
     */
    public VerifiedReceipt receipt() throws IOException, InterruptedException {
        ReceiptCheck check = ReceiptCheck.fetch(transport, id);
        if (check.servedKey().isPresent()) {
            return check.verify(dev.hearth.core.receipt.NodeKeys.parse("Hearth-Node-Key of the receipt of job " + id,
                    check.servedKey().get()));
        }
        String nodeId = check.signed().receipt().nodeId();
        if (nodeId == null) {
            throw new VerificationException("the receipt of job " + id + " names no node, so no key can verify it");
        }
        JsonNode node = transport.json(Endpoint.GET_NODE, List.of(nodeId), null);
        if (!node.hasNonNull("publicKey")) {
            throw new VerificationException("node " + nodeId + " registered no Ed25519 key (a Hypernode v2.0 "
                    + "node), so the receipt of job " + id + " cannot be verified");
        }
        return check.verify(dev.hearth.core.receipt.NodeKeys.parse("publicKey of node " + nodeId,
                node.get("publicKey").asText()));
    }

    /**
     * The job's signed receipt exactly as the coordinator serves it, <em>not verified</em>: for a verifier of the
     * caller's own (as {@code hearth job receipt} hands it to {@code hearth verify}). Trust only {@link #receipt()}.
     */
    public dev.hearth.core.receipt.SignedReceipt unverifiedReceipt() throws IOException, InterruptedException {
        return ReceiptCheck.fetch(transport, id).signed();
    }

    /** The job's receipt, verified here with {@code nodeKey} (the node's key as the caller trusts it). */
    public VerifiedReceipt receipt(PublicKey nodeKey) throws IOException, InterruptedException {
        return ReceiptCheck.fetch(transport, id).verify(nodeKey);
    }

    /** The files the job left in {@code /job/out}, as the coordinator lists them. */
    public List<OutputFile> outputs() throws IOException, InterruptedException {
        List<OutputFile> files = new ArrayList<>();
        for (JsonNode f : transport.json(Endpoint.JOB_OUTPUTS, List.of(id), null).path("outputs")) {
            files.add(new OutputFile(f.path("path").asText(), f.path("size").asLong(), f.path("sha256").asText(),
                    f.path("stored").asBoolean(true)));
        }
        return files;
    }

    /**
     * Downloads every stored output into {@code dir} (its paths kept below it), each checked against the SHA-256
     * the verified receipt names for it ({@link #receipt()}); a file that does not match is deleted and fails the
     * call.
     *
     * @throws VerificationException when the receipt does not verify, or a file's content differs from it
     */
    public DownloadedOutputs downloadOutputs(Path dir) throws IOException, InterruptedException {
        return downloadOutputs(dir, receipt());
    }

    /** As {@link #downloadOutputs(Path)}, against a receipt the caller already verified. */
    public DownloadedOutputs downloadOutputs(Path dir, VerifiedReceipt receipt)
            throws IOException, InterruptedException {
        return new OutputDownload(transport, id, client.transferTimeout()).all(dir, outputs(), receipt);
    }

    /**
     * Downloads one output below {@code dir} (its path kept), checked against the SHA-256 {@code receipt} names for
     * it; returns the file written.
     *
     * @throws VerificationException when the receipt names no such output, its content differs (nothing is kept),
     *     or its path would leave {@code dir}
     * @throws HearthApiException {@code 404 unknown_output} when the coordinator does not hold it
     */
    public Path downloadOutput(OutputFile output, Path dir, VerifiedReceipt receipt)
            throws IOException, InterruptedException {
        java.nio.file.Files.createDirectories(dir);
        return new OutputDownload(transport, id, client.transferTimeout()).one(dir, output, receipt);
    }

    private static long epoch(HttpResponse<?> r) {
        return r.headers().firstValueAsLong("Hearth-Log-Epoch").orElse(0);
    }

    private static boolean complete(HttpResponse<?> r) {
        return r.headers().firstValue("Hearth-Log-Complete").map("true"::equalsIgnoreCase).orElse(false);
    }

    @Override
    public String toString() {
        return "job " + id;
    }
}
