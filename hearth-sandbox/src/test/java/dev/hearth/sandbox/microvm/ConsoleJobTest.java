// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.microvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.core.InvalidInputException;
import dev.hearth.core.job.JobFile;
import dev.hearth.core.job.SecretValue;
import dev.hearth.sandbox.SandboxSpec;
import dev.hearth.sandbox.image.BaseImages;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The console requests that hand a job to a pooled microVM")
class ConsoleJobTest {

    private static final String SECRET = "hunter2 'and' more";

    private static SandboxSpec spec(List<JobFile> files) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PLAIN", "a b");
        return SandboxSpec.builder(BaseImages.BUSYBOX, List.of("sh", "-c", "echo \"$TOKEN\"", "x y"))
                .name("job-1").env(env).secrets(Map.of("TOKEN", SecretValue.of(SECRET))).files(files).build();
    }

    private static String decode(String b64) {
        return new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
    }

    @Test
    @DisplayName("files (a header with the length, then the content), the environment as in job.env, then start")
    void requestsInOrder() {
        SandboxSpec spec = spec(List.of(new JobFile("/job/dir/a b.txt", "hi\n".getBytes(StandardCharsets.UTF_8), 0640),
                new JobFile("/job/run", new byte[] {0, 1, 2}, 04755)));
        List<String> lines = ConsoleJob.of(spec, "job-1").lines();
        assertThat(lines).hasSize(6);
        String[] f = lines.get(0).split(" ");
        assertThat(f).hasSize(4);
        assertThat(f[0]).isEqualTo("f");
        assertThat(f[1]).isEqualTo("640");
        assertThat(decode(f[2])).isEqualTo("dir/a b.txt");
        assertThat(f[3]).as("the content's length in base64 characters")
                .isEqualTo(Integer.toString(lines.get(1).length()));
        assertThat(decode(lines.get(1))).isEqualTo("hi\n");
        String[] run = lines.get(2).split(" ");
        assertThat(run[1]).as("setuid and sticky bits are not delivered, as from the config drive").isEqualTo("755");
        assertThat(Base64.getDecoder().decode(lines.get(3))).containsExactly(0, 1, 2);
        assertThat(lines.get(4)).startsWith("e ");
        assertThat(decode(lines.get(4).substring(2))).isEqualTo(ConfigDrive.environment(spec));
        assertThat(lines.get(5)).isEqualTo("s job-1");
    }

    @Test
    @DisplayName("every line is one line of printable ASCII without the secret in clear, and the block ends each line")
    void linesAreSafeForTheConsole() {
        ConsoleJob job = ConsoleJob.of(spec(List.of()), "job-1");
        for (String line : job.lines()) {
            assertThat(line).matches("[ -~]+").doesNotContain(SECRET).doesNotContain("hunter2");
        }
        assertThat(new String(job.bytes(), StandardCharsets.US_ASCII)).isEqualTo(String.join("\n", job.lines()) + "\n");
        assertThat(job.toString()).contains("job-1").doesNotContain("hunter2").doesNotContain(job.lines().get(0));
    }

    @Test
    @DisplayName("a clone's job starts with its seed and the time, then the same requests; a seed of the wrong size "
            + "is refused")
    void cloneFirstReseeds() {
        ConsoleJob job = ConsoleJob.of(spec(List.of()), "job-1");
        byte[] seed = new byte[64];
        seed[0] = 7;
        ConsoleJob clone = job.asClone(1_765_000_000_123L, seed);
        assertThat(clone.lines()).hasSize(job.lines().size() + 1);
        assertThat(clone.lines().get(0)).isEqualTo("c 1765000000123 " + Base64.getEncoder().encodeToString(seed));
        assertThat(clone.lines().subList(1, clone.lines().size())).isEqualTo(job.lines());
        assertThatThrownBy(() -> job.asClone(1, new byte[16])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("32 to 256");
    }

    @Test
    @DisplayName("a host name other than a VM id and a bad variable name are refused")
    void refusesBadInput() {
        assertThatThrownBy(() -> ConsoleJob.of(spec(List.of()), "Bad Name; reboot"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[a-z0-9-]");
        assertThatThrownBy(() -> ConsoleJob.of(SandboxSpec.builder(BaseImages.BUSYBOX, List.of("true")).name("j")
                .env(Map.of("1BAD", "x")).build(), "j")).isInstanceOf(InvalidInputException.class);
    }
}
