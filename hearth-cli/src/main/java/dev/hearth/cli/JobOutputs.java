// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import dev.hearth.client.HearthApiException;
import dev.hearth.client.HearthClient;
import dev.hearth.client.Job;
import dev.hearth.client.OutputFile;
import dev.hearth.client.VerificationException;
import dev.hearth.client.VerifiedReceipt;
import dev.hearth.core.receipt.NodeKeys;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code hearth job outputs ID -o DIR [--key NODE.pub]}: verifies the job's signed receipt through hearth-client
 * (the node's key from {@code --key}, else the one the coordinator serves with the receipt), then downloads every
 * stored output into DIR, each checked against the SHA-256 the receipt lists while it streams and moved into place only when it
 * matches. A path that would land outside DIR is refused. Exits 1 when the receipt does not verify or any file does
 * not match.
 */
@Command(name = "outputs", mixinStandardHelpOptions = true,
        description = "Downloads a job's outputs (files it left in /job/out) into a folder, each checked against the "
                + "job's verified receipt.")
@Prints(Prints.Kind.MESSAGE)
final class JobOutputs implements Callable<Integer> {

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
            description = "The node's public key (base64 X.509); default: the key the node registered, served with "
                    + "the receipt.")
    Path key;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        try (HearthClient client = job.client()) {
            Job remote = client.jobs().job(id);
            VerifiedReceipt receipt;
            try {
                receipt = key != null ? remote.receipt(NodeKeys.parse("--key " + key, Files.readString(key).strip()))
                        : remote.receipt();
            } catch (VerificationException e) {
                err.println("hearth: " + e.getMessage());
                err.println("hearth: the receipt of job " + id + " does NOT verify: no output was downloaded");
                return 1;
            }
            Path root = dir.toAbsolutePath().normalize();
            Files.createDirectories(root);
            int failed = 0;
            int written = 0;
            for (OutputFile o : remote.outputs()) {
                if (!o.stored()) {
                    err.println("hearth: skipped " + o.path() + ": listed in the receipt, not stored on the coordinator");
                    continue;
                }
                try {
                    Path file = remote.downloadOutput(o, root, receipt);
                    err.println("hearth: ok " + o.path() + " (" + Files.size(file) + " bytes, sha256 " + o.sha256()
                            + ")");
                    written++;
                } catch (VerificationException | HearthApiException e) {
                    err.println("hearth: FAILS " + o.path() + ": " + e.getMessage());
                    failed++;
                }
                err.flush();
            }
            err.println("hearth: " + written + " output(s) of job " + id + " written to " + root + ", each matching "
                    + "the verified receipt" + (failed > 0 ? "; " + failed + " FAILED" : ""));
            err.flush();
            return failed > 0 ? 1 : 0;
        }
    }
}
