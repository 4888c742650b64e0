// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.sandbox.DockerFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("e2e")
@DisplayName("Remote inputs and outputs on a real coordinator, agent and Docker engine")
class FilesE2eTest {

    @TempDir
    Path root;

    @Test
    @DisplayName("a 50 MiB input uploaded with --input reaches the job whole; its outputs come back through the CLI "
            + "checked against the signed receipt, a tampered one refused; a tampered input is caught by the node, "
            + "which never runs the job")
    void inputsAndOutputs() throws Exception {
        DockerFixture.driver();
        byte[] input = new byte[50 << 20];
        new Random(17).nextBytes(input);
        Path local = Files.write(Files.createDirectories(root.resolve("work")).resolve("data.bin"), input);
        String inputHex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(input));
        try (Cluster c = new Cluster(root)) {
            c.startCoordinator();
            c.startAgent("a", c.port());
            c.awaitNodes("node online", n -> n.stream().anyMatch(x -> "online".equals(x.path("state").asText())));
            Map<String, String> env = Map.of("HEARTH_TOKEN", c.admin(), "HEARTH_COORDINATOR", c.base());
            String script = "mkdir -p /job/out/sub && sha256sum /job/in/data.bin > /job/out/sum.txt "
                    + "&& head -c 1000 /job/in/data.bin > /job/out/sub/head.bin && echo RAN";
            Cluster.Finished submitted = c.run(env, "job", "submit", "--memory", "256m", "--input",
                    local + ":in/data.bin", "--", "sh", "-c", script);
            assertThat(submitted.exit()).as(submitted.output()).isZero();
            assertThat(submitted.output()).contains("uploaded " + input.length + " bytes");
            String id = lastLine(submitted.output());
            JsonNode done = c.awaitFinal(id);
            assertThat(done.path("state").asText()).as(done.toString()).isEqualTo("completed");

            Path out = root.resolve("out");
            Cluster.Finished fetched = c.run(env, "job", "outputs", id, "-o", out.toString());
            assertThat(fetched.exit()).as(fetched.output()).isZero();
            assertThat(fetched.output()).contains("ok sum.txt").contains("ok sub/head.bin");
            assertThat(Files.readString(out.resolve("sum.txt"))).as("the job hashed the input it got")
                    .startsWith(inputHex + "  /job/in/data.bin");
            assertThat(Files.readAllBytes(out.resolve("sub/head.bin"))).isEqualTo(Arrays.copyOf(input, 1000));

            // the coordinator's copy of head.bin changes: the CLI finds it differs from the signed receipt
            Path stored = blobFile(root, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(Arrays.copyOf(input, 1000))));
            Files.write(stored, new byte[1000]);
            Path again = root.resolve("again");
            Cluster.Finished tampered = c.run(env, "job", "outputs", id, "-o", again.toString());
            assertThat(tampered.exit()).as(tampered.output()).isEqualTo(1);
            assertThat(tampered.output()).contains("FAILS sub/head.bin");
            assertThat(again.resolve("sub/head.bin")).doesNotExist();

            // the coordinator's copy of the input changes: the node refuses it and never runs the job
            byte[] changed = input.clone();
            changed[123] ^= 1;
            Files.write(blobFile(root, inputHex), changed);
            Cluster.Finished second = c.run(env, "job", "submit", "--input", local + ":in/data.bin", "--", "sh",
                    "-c", "echo RAN");
            assertThat(second.exit()).as(second.output()).isZero();
            assertThat(second.output()).as("HEAD finds it: not sent again").contains("already uploaded");
            JsonNode refused = c.awaitFinal(lastLine(second.output()));
            assertThat(refused.path("state").asText()).isEqualTo("failed");
            assertThat(refused.at("/result/message").asText()).contains("sha256:" + inputHex)
                    .contains("not the job's input");
            assertThat(c.text("/v1/jobs/" + refused.path("id").asText() + "/logs")).doesNotContain("RAN");
        }
    }

    private static Path blobFile(Path root, String hex) {
        return root.resolve("coordinator").resolve("blobs").resolve("sha256").resolve(hex.substring(0, 2))
                .resolve(hex);
    }

    private static String lastLine(String output) {
        String[] lines = output.strip().split("\n");
        return lines[lines.length - 1].strip();
    }
}
