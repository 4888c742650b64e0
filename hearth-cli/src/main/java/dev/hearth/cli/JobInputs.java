// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.hearth.client.BlobRef;
import dev.hearth.client.HearthClient;
import dev.hearth.core.InvalidInputException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code hearth job submit --input LOCAL[:PATH]}: uploads local files (a folder: every regular file under it) as
 * blobs through hearth-client ({@code HEAD /v1/blobs/{digest}} first, so one the coordinator already holds for this
 * caller is not sent again; then {@code PUT}, streamed from disk) and names them in the job's {@code files[]} by
 * digest. Not thread-safe: one per submit.
 */
final class JobInputs {

    /** The accepted form of the flag, for error messages. */
    static final String FORM = "LOCAL[:PATH]: a readable file or folder, and where it goes under /job (default: "
            + "its own name)";

    private final HearthClient client;
    private final PrintWriter progress;

    JobInputs(HearthClient client, PrintWriter progress) {
        this.client = client;
        this.progress = progress;
    }

    /** One file to upload and where it goes under /job. */
    record Input(Path local, String path) {
    }

    /** The files the flags name, folders expanded, in a stable order. */
    static List<Input> expand(List<String> flags) throws IOException {
        List<Input> out = new ArrayList<>();
        for (String flag : flags) {
            int colon = flag.lastIndexOf(':');
            Path local = Path.of(colon < 0 ? flag : flag.substring(0, colon));
            String target = colon < 0 ? local.getFileName().toString() : flag.substring(colon + 1);
            if (Files.isDirectory(local)) {
                try (Stream<Path> all = Files.walk(local)) {
                    for (Path f : all.filter(Files::isRegularFile).sorted().toList()) {
                        out.add(new Input(f, target + "/" + local.relativize(f).toString().replace('\\', '/')));
                    }
                }
            } else if (Files.isRegularFile(local) && Files.isReadable(local)) {
                out.add(new Input(local, target));
            } else {
                throw new InvalidInputException("--input", flag, FORM);
            }
        }
        return out;
    }

    /** Uploads each input the coordinator does not hold yet and adds its {@code files[]} entry to {@code files}. */
    void upload(List<Input> inputs, ArrayNode files) throws IOException, InterruptedException {
        for (Input in : inputs) {
            BlobRef blob = client.blobs().upload(in.local());
            progress.println("hearth: " + in.local() + " -> /job/" + in.path() + ": "
                    + (blob.sent() ? "uploaded " + blob.size() + " bytes (" : "already uploaded (" + blob.size()
                            + " bytes, ") + blob.digest() + ")");
            progress.flush();
            var entry = files.addObject().put("path", in.path()).put("blob", blob.digest());
            if (Files.isExecutable(in.local())) {
                entry.put("mode", 0755);
            }
        }
    }
}
