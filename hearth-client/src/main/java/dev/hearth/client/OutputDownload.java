// SPDX-License-Identifier: Apache-2.0
package dev.hearth.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Downloads a job's outputs into a folder, each to a temporary file first, hashed on the way and moved into place
 * only when its SHA-256 is the one the verified receipt names: a file that does not match never appears.
 */
final class OutputDownload {

    private final Transport transport;
    private final String jobId;
    private final Duration timeout;

    OutputDownload(Transport transport, String jobId, Duration timeout) {
        this.transport = transport;
        this.jobId = jobId;
        this.timeout = timeout;
    }

    DownloadedOutputs all(Path dir, List<OutputFile> outputs, VerifiedReceipt receipt)
            throws IOException, InterruptedException {
        Files.createDirectories(dir);
        List<Path> written = new ArrayList<>();
        List<OutputFile> notStored = new ArrayList<>();
        for (OutputFile f : outputs) {
            if (!f.stored()) {
                notStored.add(f);
                continue;
            }
            written.add(one(dir, f, receipt));
        }
        return new DownloadedOutputs(written, notStored);
    }

    /** Downloads one output below {@code dir}, checked against the receipt; returns where it was written. */
    Path one(Path dir, OutputFile f, VerifiedReceipt receipt) throws IOException, InterruptedException {
        String expected = receipt.outputSha256(f.path()).orElseThrow(() -> new VerificationException("the verified "
                + "receipt of job " + jobId + " names no output " + f.path() + ", so its content cannot be checked"));
        Path target = target(dir, f.path());
        Files.createDirectories(target.getParent());
        Path partial = Files.createTempFile(target.getParent(), ".hearth-", ".part");
        try {
            HttpRequest req = transport.request(Endpoint.JOB_OUTPUT, List.of(jobId, relative(f.path())), null,
                    timeout).GET().build();
            HttpResponse<InputStream> r = transport.open(Endpoint.JOB_OUTPUT, req);
            MessageDigest sha = sha256();
            long deadline = System.nanoTime() + timeout.toNanos();
            try (InputStream in = r.body(); OutputStream out = Files.newOutputStream(partial)) {
                byte[] buffer = new byte[1 << 16];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    sha.update(buffer, 0, n);
                    out.write(buffer, 0, n);
                    if (System.nanoTime() > deadline) {
                        throw new java.net.http.HttpTimeoutException("output " + f.path() + " of job " + jobId
                                + " did not arrive within " + timeout + ": raise the client's transferTimeout");
                    }
                }
            }
            String actual = HexFormat.of().formatHex(sha.digest());
            if (!actual.equals(expected)) {
                throw new VerificationException("output " + f.path() + " of job " + jobId + " has SHA-256 " + actual
                        + " but the node's signed receipt names " + expected + "; it was not kept");
            }
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    /** The output's path below {@code /job/out}, as the download names it. */
    static String relative(String path) {
        return path.startsWith("/job/out/") ? path.substring("/job/out/".length())
                : path.startsWith("/") ? path.substring(1) : path;
    }

    /** Where an output goes below {@code dir}; a path that would leave it is refused. */
    static Path target(Path dir, String path) throws VerificationException {
        Path base = dir.toAbsolutePath().normalize();
        Path t = base.resolve(relative(path)).normalize();
        if (!t.startsWith(base) || t.equals(base)) {
            throw new VerificationException("output path " + path + " would be written outside " + base
                    + "; it was refused");
        }
        return t;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
