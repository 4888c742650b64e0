// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.core.InvalidInputException;
import dev.hearth.core.proof.ProofHashes;
import dev.hearth.core.receipt.NodeKeys;
import dev.hearth.core.receipt.Receipt;
import dev.hearth.core.receipt.ReceiptVerifier;
import dev.hearth.core.receipt.SignedReceipt;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code hearth verify RECEIPT.json (--key NODE.pub | --coordinator URL) [--logs FILE]}: checks a receipt without
 * trusting whoever handed it over: its format, that the key is the one it names, its Ed25519 signature, and, with
 * the logs, both hashes. Prints each check as holds or fails with what it compared; exit 0 only when all hold, 1
 * when one fails, 2 for bad input.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Checks a job's signed receipt offline: signature, key, and the hashes against its logs.")
@Prints(Prints.Kind.DATA)
final class VerifyCommand implements Callable<Integer> {

    @ParentCommand
    HearthCommand parent;
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "RECEIPT.json", description = "A receipt as 'hearth job receipt ID -o FILE' writes it.")
    Path receiptFile;

    @ArgGroup(exclusive = true, multiplicity = "1")
    KeySource keySource;

    /** Where the node's public key comes from: a file, or the coordinator the node registered with. */
    static final class KeySource {
        @Option(names = "--key", paramLabel = "NODE.pub",
                description = "The node's public key (base64 X.509), as 'hearth node key' exports it.")
        Path key;
        @Option(names = "--coordinator", paramLabel = "URL",
                description = "Ask this coordinator for the key the node registered (needs HEARTH_TOKEN or the "
                        + "local admin token).")
        String coordinator;
    }

    @Option(names = "--logs", paramLabel = "FILE",
            description = "The job's logs, as 'hearth job logs ID' prints them: both hashes are recomputed from them.")
    Path logsFile;

    @picocli.CommandLine.Mixin
    JsonOutput json;

    /**
     * What {@code --json} prints.
     *
     * @param jobId the receipt's job
     * @param verifies whether every check holds
     * @param logsChecked whether the hashes were recomputed from {@code --logs}
     * @param checks each check, in the order the text shows them
     */
    record Verdict(String jobId, boolean verifies, boolean logsChecked, List<Line> checks) {
    }

    /** One check and what it found. */
    record Line(String name, boolean holds, String detail) {
    }

    @Override
    public Integer call() throws Exception {
        SignedReceipt signed = SignedReceipt.parse(receiptFile.toString(), read(receiptFile, "RECEIPT.json"));
        Receipt r = signed.receipt();
        PublicKey key = keySource.key != null ? NodeKeys.parse("--key " + keySource.key, read(keySource.key, "--key"))
                : registeredKey(r.nodeId());
        String logs = logsFile == null ? null
                : new String(Files.readAllBytes(existing(logsFile, "--logs")), StandardCharsets.UTF_8);

        List<Line> lines = check(signed, key, logs);
        PrintWriter out = spec.commandLine().getOut();
        long failed = lines.stream().filter(l -> !l.holds()).count();
        if (json.on()) {
            JsonOutput.print(out, new Verdict(r.jobId(), failed == 0, logs != null, lines));
            return failed == 0 ? 0 : 1;
        }
        for (Line l : lines) {
            out.printf("%-6s %-14s %s%n", l.holds() ? "holds" : "FAILS", l.name(), l.detail());
        }
        out.println(failed == 0 ? "receipt of job " + r.jobId() + " verifies: every check holds"
                + (logs == null ? " (hashes not checked: give --logs FILE)" : "")
                : "receipt of job " + r.jobId() + " does NOT verify: " + failed + " check(s) fail");
        out.flush();
        return failed == 0 ? 0 : 1;
    }

    /** Every check of a receipt against a key and, when given, its logs. */
    static List<Line> check(SignedReceipt signed, PublicKey key, String logs) {
        Receipt r = signed.receipt();
        List<Line> lines = new ArrayList<>();
        lines.add(new Line("format", Receipt.FORMAT.equals(r.format()), "format " + r.format() + " (this hearth reads "
                + Receipt.FORMAT + ")"));
        String fingerprint = NodeKeys.fingerprint(key);
        lines.add(new Line("key", fingerprint.equals(r.nodeKeyFingerprint()), "the receipt names key "
                + r.nodeKeyFingerprint() + "; the key given is " + fingerprint));
        boolean ok = ReceiptVerifier.verifies(r, signed.signature(), key);
        lines.add(new Line("signature", ok, ok ? "Ed25519 signature of job " + r.jobId() + " (node " + r.nodeId()
                + ", epoch " + r.epoch() + ") verifies with key " + fingerprint
                : "the Ed25519 signature does not verify with key " + fingerprint + ": the receipt was changed or "
                        + "signed by another key"));
        if (logs != null) {
            String logsHash = ProofHashes.logsHash(logs);
            lines.add(new Line("logsHash", logsHash.equals(r.logsHash()), "SHA-256 of the logs file is " + logsHash
                    + "; the receipt says " + r.logsHash()));
            String exec = r.exitCode() == null || r.timestamp() == null ? null
                    : ProofHashes.executionHash(r.jobId(), logs, r.exitCode(), r.status(), r.timestamp());
            lines.add(new Line("executionHash", exec != null && exec.equals(r.executionHash()),
                    "recomputed from jobId, the logs file, exitCode " + r.exitCode() + ", status " + r.status()
                            + " and timestamp " + r.timestamp() + ": " + exec + "; the receipt says "
                            + r.executionHash()));
        }
        return lines;
    }

    private PublicKey registeredKey(String nodeId) throws IOException, InterruptedException {
        JsonNode nodes = CoordinatorClient.from(keySource.coordinator, parent.environment()).getAll("/v1/nodes", "nodes");
        for (JsonNode n : nodes.path("nodes")) {
            if (n.path("id").asText().equals(nodeId)) {
                if (!n.hasNonNull("publicKey")) {
                    throw new InvalidInputException("--coordinator", keySource.coordinator, "a coordinator where node "
                            + nodeId + " registered an Ed25519 key (it is a Hypernode v2.0 node without one)");
                }
                return NodeKeys.parse("the key of node " + nodeId, n.get("publicKey").asText());
            }
        }
        throw new InvalidInputException("--coordinator", keySource.coordinator, "the coordinator node " + nodeId
                + " registered with (it does not know that node)");
    }

    private static String read(Path file, String field) throws IOException {
        return Files.readString(existing(file, field), StandardCharsets.UTF_8);
    }

    private static Path existing(Path file, String field) {
        if (!Files.isRegularFile(file)) {
            throw new InvalidInputException(field, file.toString(), "a readable file");
        }
        return file;
    }
}
