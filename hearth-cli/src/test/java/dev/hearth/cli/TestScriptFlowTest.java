// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/test itself, run in a copy of the repository's layout where ./mvnw, bin/hearth and scripts/setup-host are
 * stand-ins that log what they were asked and when: the order of the suites, what runs beside what, and that a
 * failure anywhere fails the run with every log kept.
 */
@DisplayName("scripts/test: builds, runs the image builds beside the fast suite and the e2e branches at once after "
        + "it, fails on any failure")
class TestScriptFlowTest {

    @TempDir
    Path repo;

    private static final String MVNW = """
            #!/usr/bin/env bash
            echo "start $(date +%s.%N) mvnw $*" >> calls.log
            case "$*" in
              *-DskipTests*) mkdir -p hearth-cli/target && echo jar > hearth-cli/target/hearth.jar ;;
              *-Dtest=QemuInstanceE2eTest*) sleep 6 ;;
              *-Dtest=*) sleep 3 ;;
              *surefire*) sleep 5 ;;
              *) sleep 1 ;;
            esac
            if [[ -n "${FAIL_ON:-}" && ( "$*" == *"$FAIL_ON" || "$*" == *"$FAIL_ON -Dmaven.test.failure.ignore=true" ) ]]; then
              echo "[ERROR] Tests run: 3, Failures: 1, Errors: 0, Skipped: 0"
              if [[ "$*" == *-Dmaven.test.failure.ignore=true* ]]; then
                # as Maven does: the failure is reported, the build goes on to the next module and succeeds
                echo "BUILD SUCCESS: $*"; echo "end $(date +%s.%N) mvnw $*" >> calls.log; exit 0
              fi
              echo "BUILD FAILURE: $*"; exit 1
            fi
            echo "[INFO] Tests run: 3, Failures: 0, Errors: 0, Skipped: 0"
            echo "end $(date +%s.%N) mvnw $*" >> calls.log
            """;
    private static final String HEARTH = """
            #!/usr/bin/env bash
            echo "start $(date +%s.%N) hearth $* jar=${HEARTH_JAR:-}" >> calls.log
            sleep 2
            [[ -z "${FAIL_IMAGE:-}" || "$*" != *"$FAIL_IMAGE"* ]] || { echo "image build broke"; exit 4; }
            echo "end $(date +%s.%N) hearth $*" >> calls.log
            """;

    /** The fast suite's Maven call: surefire:test over what the build step made. */
    private static final String FAST_ARGS = "-B -ntp -T 2 org.apache.maven.plugins:maven-surefire-plugin:test";
    private static final String FAST = "mvnw " + FAST_ARGS;

    private record Run(int exit, String out, List<String> calls) {
    }

    private Run run(Map<String, String> env) throws Exception {
        Path root = Path.of("..").toAbsolutePath().normalize();
        Files.createDirectories(repo.resolve("scripts/lib"));
        Files.createDirectories(repo.resolve("bin"));
        Files.copy(root.resolve("scripts/test"), repo.resolve("scripts/test"));
        Files.copy(root.resolve("scripts/lib/steps.sh"), repo.resolve("scripts/lib/steps.sh"));
        Files.writeString(repo.resolve("scripts/setup-host"), "#!/usr/bin/env bash\necho \"setup $*\" >> calls.log\n");
        Files.writeString(repo.resolve("mvnw"), MVNW);
        Files.writeString(repo.resolve("bin/hearth"), HEARTH);
        for (String f : List.of("scripts/test", "scripts/setup-host", "mvnw", "bin/hearth")) {
            repo.resolve(f).toFile().setExecutable(true);
        }
        ProcessBuilder pb = new ProcessBuilder("bash", "scripts/test").directory(repo.toFile())
                .redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out, Files.readAllLines(repo.resolve("calls.log")));
    }

    /** When {@code kind} ("start" or "end") of the first call containing {@code what} (ending with it: "...$"). */
    private static double at(List<String> calls, String kind, String what) {
        return calls.stream().filter(l -> l.startsWith(kind + " ") && (what.endsWith("$")
                ? l.endsWith(what.substring(0, what.length() - 1)) : l.contains(what))).findFirst()
                .map(l -> Double.parseDouble(l.split(" ")[1])).orElseThrow(() -> new AssertionError(kind + " " + what
                        + " not in " + calls));
    }

    @Test
    @DisplayName("all passing: setup --all, build, the images beside the fast suite, the three e2e branches after it, "
            + "overlapping; a summary per suite and exit 0")
    void passing() throws Exception {
        Run r = run(Map.of());
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.calls().getFirst()).isEqualTo("setup --all");
        List<String> calls = r.calls();
        double build = at(calls, "end", "-DskipTests");
        double kernel = at(calls, "start", "image build-vm");
        double fast = at(calls, "start", FAST + "$");
        double fastEnd = at(calls, "end", FAST + "$");
        assertThat(kernel).as("images after the build").isGreaterThanOrEqualTo(build);
        assertThat(fast).as("the fast suite after the build").isGreaterThanOrEqualTo(build);
        assertThat(at(calls, "start", "image build-vm jar=" + repo.resolve("target/hearth-images.jar"))).isPositive();
        assertThat(at(calls, "end", "image build-vm")).as("the kernel builds beside the fast suite")
                .isGreaterThan(fast);
        double docker = at(calls, "start", "-Dtest=!QemuInstanceE2eTest");
        double vm = at(calls, "start", "-Dtest=Qemu*RunE2eTest");
        double instance = at(calls, "start", "-Dtest=QemuInstanceE2eTest");
        assertThat(instance).as("the instance branch once both images are built")
                .isGreaterThanOrEqualTo(at(calls, "end", "build-openclaw --vm"))
                .isGreaterThanOrEqualTo(at(calls, "end", "image build-vm"))
                .as("and after the fast suite").isGreaterThanOrEqualTo(fastEnd);
        assertThat(docker).as("e2e-docker after the fast suite").isGreaterThanOrEqualTo(fastEnd);
        assertThat(vm).as("e2e-vm after the fast suite and both images").isGreaterThanOrEqualTo(fastEnd)
                .isGreaterThanOrEqualTo(at(calls, "end", "image build-vm"))
                .isGreaterThanOrEqualTo(at(calls, "end", "build-openclaw --vm"));
        assertThat(Math.max(vm, docker)).as("the e2e branches overlap")
                .isLessThan(at(calls, "end", "-Dtest=QemuInstanceE2eTest"));
        assertThat(calls).as("nothing rebuilt after the build step").filteredOn(l -> l.contains(" install"))
                .hasSize(2);
        assertThat(r.out()).contains("timing summary")
                .containsPattern("(?m)^  fast-suite +[0-9]+s +[0-9]+s cpu  ok ")
                .containsPattern("(?m)^  e2e-qemu-instance +[0-9]+s +[0-9]+s cpu  ok ").containsPattern("(?m)^  total ")
                .contains("tests: ");
        for (String log : List.of("setup-host", "build", "image-build-vm", "image-build-openclaw-vm", "fast-suite",
                "e2e-docker", "e2e-vm", "e2e-qemu-instance")) {
            assertThat(repo.resolve("target/test-logs/" + log + ".log")).as(log).exists();
        }
    }

    @Test
    @DisplayName("one e2e branch failing fails the run, even though Maven goes on past the failing module; the other "
            + "branches still finish and its log is kept and shown")
    void failingBranch() throws Exception {
        Run r = run(Map.of("FAIL_ON", "-Dtest=" + vmTests() + " -Dsurefire.failIfNoSpecifiedTests=false"));
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("==> e2e-vm: FAILED (exit 1)").contains("Failures: 1")
                .contains("==> e2e-docker: ok").contains("==> e2e-qemu-instance: ok").contains("FAILED: e2e-vm");
        assertThat(repo.resolve("target/test-logs/e2e-vm.log")).content().contains("Failures: 1");
        assertThat(at(r.calls(), "end", "-Dtest=QemuInstanceE2eTest")).isPositive();
    }

    @Test
    @DisplayName("a guest image that fails to build fails the run and keeps the VM branches from starting, not the "
            + "others")
    void failingImage() throws Exception {
        Run r = run(Map.of("FAIL_IMAGE", "build-vm"));
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("==> image-build-vm: FAILED (exit 4)").contains("image build broke")
                .contains("e2e-qemu-instance does not start").contains("e2e-vm does not start")
                .contains("==> e2e-docker: ok");
        assertThat(r.calls()).noneMatch(l -> l.contains("-Dtest=Qemu*RunE2eTest"))
                .noneMatch(l -> l.contains("-Dtest=QemuInstanceE2eTest"));
    }

    @Test
    @DisplayName("a failing fast suite fails the run before any e2e branch starts")
    void failingFastSuite() throws Exception {
        Run r = run(Map.of("FAIL_ON", FAST_ARGS));
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("the fast suite failed").contains("FAILED: fast-suite");
        assertThat(r.calls()).noneMatch(l -> l.contains("-Dtest="));
    }

    @Test
    @DisplayName("HEARTH_TEST_SERIAL=1 runs the same suites one after another")
    void serial() throws Exception {
        Run r = run(Map.of("HEARTH_TEST_SERIAL", "1"));
        assertThat(r.exit()).as(r.out()).isZero();
        List<String> calls = r.calls();
        assertThat(at(calls, "start", FAST + "$")).isGreaterThanOrEqualTo(at(calls, "end", "build-openclaw --vm"));
        assertThat(at(calls, "start", "-Dtest=!Qemu")).isGreaterThanOrEqualTo(at(calls, "end", FAST + "$"));
        assertThat(at(calls, "start", "-Dtest=Qemu*RunE2eTest")).isGreaterThanOrEqualTo(
                at(calls, "end", "-Dtest=!Qemu"));
        assertThat(at(calls, "start", "-Dtest=QemuInstanceE2eTest")).isGreaterThanOrEqualTo(
                at(calls, "end", "-Dtest=Qemu*RunE2eTest"));
    }

    /**
     * Every e2e test that needs a guest image runs in a branch that waits for it: a pattern of VM_TESTS or
     * VM_INSTANCE_TEST takes it (surefire's forms: a class name with '*', or a path with '**'), or it would run in
     * e2e-docker and wait there for an image build on a fresh machine.
     */
    @Test
    @DisplayName("every e2e test that needs a guest image is in a VM branch (VM_TESTS or VM_INSTANCE_TEST)")
    void imageTestsInVmBranches() throws Exception {
        Path root = Path.of("..").toAbsolutePath().normalize();
        List<java.nio.file.PathMatcher> patterns = java.util.stream.Stream.concat(
                java.util.Arrays.stream(vmTests().split(",")), java.util.stream.Stream.of(variable("VM_INSTANCE_TEST")))
                .map(p -> root.getFileSystem().getPathMatcher("glob:" + (p.contains("/") ? p : "**/" + p))).toList();
        List<String> outside = new java.util.ArrayList<>();
        int seen = 0;
        try (var files = Files.walk(root, 12)) {
            for (Path f : files.filter(x -> x.toString().endsWith("Test.java")
                    && x.toString().contains("/src/test/java/") && !x.toString().contains("/target/")).toList()) {
                String text = Files.readString(f);
                if (!text.contains("@Tag(\"e2e\")")
                        || !text.matches("(?s).*\\b(VmFixture|OpenClawVmImage|GuestKernel)\\b.*")) {
                    continue;
                }
                seen++;
                String rel = f.toString().replaceFirst(".*/src/test/java/", "").replaceFirst("\\.java$", "");
                if (patterns.stream().noneMatch(m -> m.matches(Path.of(rel)))) {
                    outside.add(rel);
                }
            }
        }
        assertThat(seen).as("e2e tests that need a guest image").isGreaterThan(5);
        assertThat(outside).as("guest-image e2e tests outside VM_TESTS and VM_INSTANCE_TEST").isEmpty();
    }

    /** VM_TESTS as scripts/test sets it. */
    static String vmTests() throws java.io.IOException {
        return variable("VM_TESTS");
    }

    private static String variable(String name) throws java.io.IOException {
        return Files.readAllLines(Path.of("..", "scripts", "test")).stream().filter(l -> l.startsWith(name + "='"))
                .findFirst().orElseThrow().replaceAll("^" + name + "='|'$", "");
    }
}
