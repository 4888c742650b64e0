// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.jobs;

import dev.hearth.core.job.BlobRef;
import dev.hearth.core.job.JobFile;
import dev.hearth.core.job.JobSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Fetches the uploaded blobs a job's files name from the coordinator ({@code GET <agent path>/jobs/{id}/blobs/
 * {digest}?epoch=N}, with the node's token and key), streaming each to a file in the agent's state folder while
 * hashing it, never past the size the offer states nor {@code maxBytes}, and gives the job its bytes only when they
 * hash to the digest. The downloads are deleted once read. Thread-safe: each call works in its own folder.
 */
public final class InputBlobs {

    /** A blob that could not be fetched, or whose bytes are not what the job names: the job must not run. */
    public static final class Refused extends Exception {
        Refused(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static final Duration TIMEOUT = NodeHttp.TIMEOUT;
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(InputBlobs.class);

    private final NodeHttp http;
    private final Path folder;
    private final long maxBytes;

    /**
     * @param http the coordinator's routes for nodes
     * @param folder where downloads go while they are checked (made when absent)
     * @param maxBytes the most one blob may be, whatever the offer says
     */
    public InputBlobs(NodeHttp http, Path folder, long maxBytes) {
        this.http = http;
        this.folder = folder;
        this.maxBytes = maxBytes;
        removeLeftovers();
    }

    /** Downloads a stopped agent left behind: nothing else uses the folder. */
    private void removeLeftovers() {
        if (!Files.isDirectory(folder)) {
            return;
        }
        try (var left = Files.list(folder)) {
            for (Path p : (Iterable<Path>) left::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            log.warn("could not empty the download folder {}: {}", folder, e.toString());
        }
    }

    /**
     * The spec with every blob's file given its fetched, checked bytes; the spec itself when it names no blob.
     *
     * @throws Refused when a blob cannot be fetched, is larger than stated or allowed, or hashes to another digest
     * @throws InterruptedException when interrupted while fetching
     */
    public JobSpec resolve(JobSpec spec, long epoch) throws Refused, InterruptedException {
        if (spec.files().stream().noneMatch(f -> f.blob() != null)) {
            return spec;
        }
        List<JobFile> files = new ArrayList<>();
        for (JobFile f : spec.files()) {
            files.add(f.blob() == null ? f : new JobFile(f.path(), fetch(spec.id(), epoch, f), f.mode()));
        }
        return new JobSpec(spec.id(), spec.image(), spec.command(), spec.env(), spec.secrets(), files, spec.limits(),
                spec.network(), spec.timeout(), spec.gpus());
    }

    private byte[] fetch(String jobId, long epoch, JobFile f) throws Refused, InterruptedException {
        BlobRef blob = f.blob();
        long limit = blob.size() >= 0 ? Math.min(blob.size(), maxBytes) : maxBytes;
        if (blob.size() > maxBytes) {
            throw new Refused("input " + f.path() + " is blob " + blob.digest() + " of " + blob.size()
                    + " bytes, more than this node takes (" + maxBytes + " bytes): the job was not run", null);
        }
        Path part = null;
        try {
            Files.createDirectories(folder);
            part = Files.createTempFile(folder, "blob", ".part");
            HttpResponse<InputStream> r = http.client().send(http.request(jobId, epoch, "blobs/" + blob.digest(), "")
                    .timeout(TIMEOUT).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            MessageDigest sha = sha256();
            long size = 0;
            try (InputStream in = r.body(); OutputStream out = Files.newOutputStream(part)) {
                if (r.statusCode() != 200) {
                    throw new Refused("input " + f.path() + ": the coordinator answered " + r.statusCode()
                            + " to the fetch of blob " + blob.digest() + " (" + new String(in.readNBytes(500),
                            java.nio.charset.StandardCharsets.UTF_8) + "): the job was not run", null);
                }
                byte[] buf = new byte[64 * 1024];
                for (int n; (n = in.read(buf)) > 0; ) {
                    size += n;
                    if (size > limit) {
                        throw new Refused("input " + f.path() + ": blob " + blob.digest() + " from the coordinator "
                                + "runs past the " + limit + " bytes stated for it: the job was not run", null);
                    }
                    sha.update(buf, 0, n);
                    out.write(buf, 0, n);
                }
            }
            String actual = "sha256:" + HexFormat.of().formatHex(sha.digest());
            if (!actual.equals(blob.digest())) {
                throw new Refused("input " + f.path() + ": the bytes fetched for blob " + blob.digest() + " hash to "
                        + actual + " (" + size + " bytes): they are not the job's input, so the job was not run", null);
            }
            return Files.readAllBytes(part);
        } catch (IOException e) {
            throw new Refused("input " + f.path() + ": blob " + blob.digest() + " could not be fetched from the "
                    + "coordinator: " + e.getMessage() + "; the job was not run", e);
        } finally {
            if (part != null) {
                try {
                    Files.deleteIfExists(part);
                } catch (IOException e) {
                    log.warn("could not delete the download {} (the next start removes it): {}", part, e.toString());
                }
            }
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
