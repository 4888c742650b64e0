// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("scripts/lib/steps.sh, which scripts/test runs its suites with: timings, parallel branches, failures kept")
class TestStepsScriptTest {

    @TempDir
    Path dir;

    private record Run(int exit, String out) {
    }

    private Run run(String body) throws Exception {
        Path script = Files.writeString(dir.resolve("t.sh"), "set -euo pipefail\nexport STEP_LOGS=" + dir.resolve("logs")
                + "\nsource " + Path.of("..", "scripts", "lib", "steps.sh").toAbsolutePath() + "\ntrap summary EXIT\n"
                + body);
        Process p = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out);
    }

    @Test
    @DisplayName("branches run at once; one failing fails the run, the others finish, each log is kept, and the "
            + "summary times each one, names the failed tests and counts Maven's tests")
    void failingBranch() throws Exception {
        long start = System.nanoTime();
        Run r = run("""
                failed=0
                step first echo '[INFO] Tests run: 5, Failures: 0, Errors: 0, Skipped: 1'
                branch slow-ok sh -c 'sleep 2; echo "[INFO] Tests run: 3, Failures: 0, Errors: 0, Skipped: 0"'
                branch broken sh -c 'sleep 2; echo "[ERROR] Tests run: 2, Failures: 1, Errors: 0, Skipped: 0"; \
                echo "[ERROR] dev.hearth.X.y -- Time elapsed: 0.2 s <<< FAILURE!"; echo "the reason"; exit 7'
                branch quick true
                join_branches || failed=1
                exit "$failed"
                """);
        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(r.exit()).isEqualTo(1);
        assertThat(seconds).as("two 2 s branches at once").isLessThan(3.9);
        assertThat(r.out()).contains("==> broken: FAILED (exit 7)").contains("the reason")
                .contains("==> slow-ok: ok").contains("timing summary")
                .containsPattern("(?m)^  quick +0s +0s cpu  ok ")
                .containsPattern("(?m)^  broken +[23]s +0s cpu  FAILED \\(7\\)")
                .containsPattern("(?m)^  total +[0-9]+s")
                .contains("FAILED: broken").contains("failed in broken: dev.hearth.X.y <<< FAILURE!")
                .contains("tests: 8 passed, 1 failed"); // 4 + 3 + 1 passed (skipped ones are not)
        assertThat(dir.resolve("logs/broken.log")).content().contains("the reason");
        assertThat(dir.resolve("logs/slow-ok.log")).content().contains("Tests run: 3");
        assertThat(dir.resolve("logs/first.log")).content().contains("Tests run: 5");
    }

    @Test
    @DisplayName("a failing step stops the run at once and the summary still says which one")
    void failingStep() throws Exception {
        Run r = run("""
                step fine true
                step bad sh -c 'echo boom; exit 3'
                step never echo unreachable
                """);
        assertThat(r.exit()).isEqualTo(3);
        assertThat(r.out()).contains("boom").doesNotContain("unreachable").contains("FAILED: bad")
                .containsPattern("(?m)^  fine +0s +0s cpu  ok ");
    }

    @Test
    @DisplayName("the summary gives the CPU seconds each step and branch used with what it waited for, and the "
            + "machine's CPU use over the run")
    void cpuTime() throws Exception {
        // about 0.5 s of CPU per 3e7 rounds here: 1e8 is well over one second on any machine that runs this
        String burn = "awk 'BEGIN { for (i = 0; i < 1e8; i++) s += i }'";
        Run r = run("step idle sleep 1\nstep busy sh -c \"" + burn + "\"\nbranch busy-branch sh -c \"" + burn
                + "\"\njoin_branches\n");
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out()).containsPattern("(?m)^  idle +[12]s +0s cpu  ok ")
                .containsPattern("(?m)^  busy +[0-9]+s +[1-9][0-9]*s cpu  ok ")
                .containsPattern("(?m)^  busy-branch +[0-9]+s +[1-9][0-9]*s cpu  ok ")
                .containsPattern("(?m)^  total +[0-9]+s  \\(the CPUs [0-9]+% busy; per 30 s in .*cpu\\.log\\)");
    }
}
