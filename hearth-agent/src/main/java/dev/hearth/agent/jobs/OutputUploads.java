// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.jobs;

import dev.hearth.core.receipt.OutputFile;
import dev.hearth.sandbox.SandboxSpec;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Uploads the files a job left in /job/out, as the runner copied them while hashing them for the receipt, to the
 * coordinator ({@code PUT <agent path>/jobs/{id}/outputs/{path}?epoch=N&sha256=HEX}, streamed from disk, with the
 * node's credentials), before the result is sent; then deletes the copies. A file the coordinator refuses (over
 * the job's or the client's cap) or that cannot be sent is only not stored: the result and its receipt are the
 * same either way. Thread-safe: each call works on its own folder.
 */
public final class OutputUploads {

    private static final Logger log = LoggerFactory.getLogger(OutputUploads.class);
    private static final String OUT_PREFIX = SandboxSpec.OUTPUT_DIR + "/";

    private final NodeHttp http;

    /** Uploads through the coordinator's routes for nodes. */
    public OutputUploads(NodeHttp http) {
        this.http = http;
    }

    /**
     * Uploads each of {@code listed} (the receipt's outputs) found under {@code copies}, then deletes
     * {@code copies}.
     *
     * @return how many files the coordinator stored
     * @throws InterruptedException when interrupted; the copies are deleted first
     */
    public int upload(String jobId, long epoch, List<OutputFile> listed, Path copies) throws InterruptedException {
        int stored = 0;
        try {
            for (OutputFile f : listed) {
                if (!f.path().startsWith(OUT_PREFIX)) {
                    continue;
                }
                String relative = f.path().substring(OUT_PREFIX.length());
                Path local = copies.resolve(SandboxSpec.OUTPUT_DIR.substring(SandboxSpec.WORKSPACE.length() + 1))
                        .resolve(relative).normalize();
                if (!local.startsWith(copies) || !Files.isRegularFile(local)) {
                    continue;
                }
                int status = put(jobId, epoch, relative, f, local);
                if (status == 200 || status == 201) {
                    stored++;
                } else if (status == 413) {
                    log.warn("job {}: the coordinator stores no more of its outputs (413 at {}: the job's or the "
                            + "client's cap); the receipt still lists all {}", jobId, relative, listed.size());
                    break;
                } else {
                    log.warn("job {}: output {} was not stored: the coordinator answered {}", jobId, relative, status);
                }
            }
        } finally {
            delete(copies);
        }
        return stored;
    }

    private int put(String jobId, long epoch, String relative, OutputFile f, Path local) throws InterruptedException {
        StringBuilder path = new StringBuilder("outputs");
        for (String segment : relative.split("/")) {
            path.append('/').append(URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20"));
        }
        try {
            HttpRequest req = http.request(jobId, epoch, path.toString(), "sha256=" + f.sha256())
                    .header("Content-Type", "application/octet-stream")
                    .PUT(HttpRequest.BodyPublishers.ofFile(local)).build();
            return http.client().send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            log.warn("job {}: output {} could not be sent: {}", jobId, relative, e.toString());
            return -1;
        }
    }

    /** Deletes the copies of one job's outputs. */
    public static void delete(Path copies) {
        if (!Files.exists(copies)) {
            return;
        }
        try (Stream<Path> all = Files.walk(copies)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            log.warn("could not delete the output copies in {}: {}", copies, e.toString());
        }
    }
}
