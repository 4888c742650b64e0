// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.core.InvalidInputException;
import dev.hearth.core.receipt.NodeKeys;
import dev.hearth.core.receipt.OutputFile;
import dev.hearth.core.receipt.SignedReceipt;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code hearth job outputs ID -o DIR [--key NODE.pub]}: fetches the job's signed receipt and verifies it as
 * {@code hearth verify} does (the node's key from {@code --key}, else as the coordinator lists the node), then
 * downloads every stored output into DIR, each checked against the SHA-256 the receipt lists while it streams and
 * moved into place only when it matches. A path that would land outside DIR is refused. Exits 1 when the receipt
 * does not verify or any file does not match.
 */
@Command(name = "outputs", mixinStandardHelpOptions = true,
        description = "Downloads a job's outputs (files it left in /job/out) into a folder, each checked against the "
                + "job's verified receipt.")
@Prints(Prints.Kind.MESSAGE)
final class JobOutputs implements Callable<Integer> {

    private static final String OUT_PREFIX = "/job/out/";

    @Spec
    CommandSpec spec;
    @ParentCommand
    JobCommand job;
    @Parameters(paramLabel = "ID", description = "The job's id.")
    String id;
    @Option(names = {"-o", "--output"}, paramLabel = "DIR", required = true,
            description = "The folder to write the outputs into (made when absent).")
    Path dir;
    @Option(names = "--key", paramLabel = "NODE.pub",
            description = "The node's public key (base64 X.509); default: the key the coordinator lists for the node "
                    + "(needs an operator or admin key).")
    Path key;

    @Override
    public Integer call() throws Exception {
        CoordinatorClient client = job.client();
        PrintWriter err = spec.commandLine().getErr();
        SignedReceipt signed = SignedReceipt.parse("receipt of job " + id,
                client.getText("/v1/jobs/" + enc(id) + "/receipt"));
        PublicKey nodeKey = key != null ? NodeKeys.parse("--key " + key, Files.readString(key).strip())
                : registeredKey(client, signed.receipt().nodeId());
        List<VerifyCommand.Line> checks = VerifyCommand.check(signed, nodeKey, null);
        if (checks.stream().anyMatch(l -> !l.holds())) {
            checks.stream().filter(l -> !l.holds()).forEach(l -> err.println("hearth: " + l.name() + ": " + l.detail()));
            err.println("hearth: the receipt of job " + id + " does NOT verify: no output was downloaded");
            return 1;
        }
        Path root = dir.toAbsolutePath().normalize();
        Files.createDirectories(root);
        int failed = 0;
        int written = 0;
        for (JsonNode o : client.get("/v1/jobs/" + enc(id) + "/outputs").path("outputs")) {
            String path = o.path("path").asText();
            Optional<OutputFile> listed = signed.receipt().outputs().stream()
                    .filter(f -> f.path().equals(OUT_PREFIX + path)).findFirst();
            Path target = root.resolve(path).normalize();
            if (listed.isEmpty()) {
                err.println("hearth: FAILS " + path + ": the coordinator lists it, the signed receipt does not");
                failed++;
            } else if (!target.startsWith(root) || target.equals(root)) {
                err.println("hearth: FAILS " + path + ": it would be written outside " + root + "; refused");
                failed++;
            } else if (!o.path("stored").asBoolean()) {
                err.println("hearth: skipped " + path + ": listed in the receipt, not stored on the coordinator");
            } else if (download(client, path, target, listed.get(), err)) {
                written++;
            } else {
                failed++;
            }
            err.flush();
        }
        err.println("hearth: " + written + " output(s) of job " + id + " written to " + root + ", each matching the "
                + "verified receipt" + (failed > 0 ? "; " + failed + " FAILED" : ""));
        err.flush();
        return failed > 0 ? 1 : 0;
    }

    /** Streams one output to a temporary file beside its target, hashing it; moves it into place when it matches. */
    private boolean download(CoordinatorClient client, String path, Path target, OutputFile listed, PrintWriter err)
            throws Exception {
        Files.createDirectories(target.getParent());
        Path part = Files.createTempFile(target.getParent(), ".hearth-output", ".part");
        try {
            MessageDigest sha = JobInputs.sha256();
            long size = 0;
            HttpResponse<InputStream> r = client.getStream("/v1/jobs/" + enc(id) + "/outputs/" + encPath(path));
            try (InputStream in = r.body(); OutputStream out = Files.newOutputStream(part)) {
                byte[] buf = new byte[64 * 1024];
                for (int n; (n = in.read(buf)) > 0; ) {
                    sha.update(buf, 0, n);
                    out.write(buf, 0, n);
                    size += n;
                }
            }
            String actual = HexFormat.of().formatHex(sha.digest());
            if (!actual.equals(listed.sha256()) || size != listed.bytes()) {
                err.println("hearth: FAILS " + path + ": the downloaded bytes (" + size + ") hash to " + actual
                        + "; the signed receipt lists " + listed.bytes() + " bytes, " + listed.sha256() + "; not written");
                return false;
            }
            Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
            err.println("hearth: ok " + path + " (" + size + " bytes, sha256 " + actual + ")");
            return true;
        } finally {
            Files.deleteIfExists(part);
        }
    }

    private static PublicKey registeredKey(CoordinatorClient client, String nodeId) throws Exception {
        for (JsonNode n : client.getAll("/v1/nodes", "nodes").path("nodes")) {
            if (n.path("id").asText().equals(nodeId) && n.hasNonNull("publicKey")) {
                return NodeKeys.parse("the key of node " + nodeId, n.get("publicKey").asText());
            }
        }
        throw new InvalidInputException("--key", null, "the node's public key file (hearth node key on node "
                + nodeId + "): the coordinator lists no key for it");
    }

    private static String enc(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String encPath(String path) {
        StringBuilder b = new StringBuilder();
        for (String s : path.split("/")) {
            b.append(b.isEmpty() ? "" : "/").append(enc(s));
        }
        return b.toString();
    }
}
