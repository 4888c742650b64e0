// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The module map of docs/architecture.md holds in the code")
class ArchitectureTest {

    private static JavaClasses hearth;

    @BeforeAll
    static void importClasses() {
        hearth = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(location -> !location.contains("-tests.jar")) // shared test kits
                .importPackages("dev.hearth");
    }

    @Test
    @DisplayName("core does no I/O and knows no other module")
    void coreIsPure() {
        noClasses().that().resideInAPackage("dev.hearth.core..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.hearth.sandbox..", "dev.hearth.agent..",
                        "dev.hearth.coordinator..", "dev.hearth.cli..", "java.io.File", "java.nio.file..", "java.net..",
                        "com.github.dockerjava..")
                .check(hearth);
    }

    @Test
    @DisplayName("the sandbox SPI (jobs' SandboxDriver and long-lived guests' GuestDriver) depends on none of the "
            + "sandbox module's other packages: drivers, images, host networking")
    void spiIndependentOfDrivers() {
        noClasses().that().resideInAPackage("dev.hearth.sandbox")
                .should().dependOnClassesThat().resideInAnyPackage("dev.hearth.sandbox.*..", "com.github.dockerjava..")
                .check(hearth);
    }

    @Test
    @DisplayName("no package cycles among the sandbox module's packages: drivers, images, host networking, pools")
    void noSandboxPackageCycles() {
        com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices()
                .matching("dev.hearth.sandbox.(*)..").should().beFreeOfCycles().check(hearth);
    }

    @Test
    @DisplayName("the sandbox module knows neither the agent, the coordinator nor the CLI")
    void sandboxIsALibrary() {
        noClasses().that().resideInAPackage("dev.hearth.sandbox..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.hearth.agent..", "dev.hearth.coordinator..",
                        "dev.hearth.cli..")
                .check(hearth);
    }

    @Test
    @DisplayName("the agent knows no CLI and no coordinator code: they meet only through the protocol in core")
    void agentBoundaries() {
        noClasses().that().resideInAPackage("dev.hearth.agent..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.hearth.cli..", "dev.hearth.coordinator..",
                        "io.helidon..")
                .check(hearth);
    }

    @Test
    @DisplayName("the coordinator runs no sandboxes: it knows neither the sandbox module, the agent nor the CLI")
    void coordinatorBoundaries() {
        noClasses().that().resideInAPackage("dev.hearth.coordinator..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.hearth.sandbox..", "dev.hearth.agent..",
                        "dev.hearth.cli..")
                .check(hearth);
    }

    /** The packages of the sandbox drivers (jobs' and long-lived guests') and the host plumbing under them. */
    private static final String[] DRIVER_PACKAGES = {"dev.hearth.sandbox.docker..", "dev.hearth.sandbox.microvm..",
        "dev.hearth.sandbox.firecracker..", "dev.hearth.sandbox.qemu..", "dev.hearth.sandbox.vm..",
        "dev.hearth.sandbox.net.."};

    @Test
    @DisplayName("the CLI builds no sandbox driver: it sees the SPI and the host runtimes, never a driver package")
    void cliBuildsNoDrivers() {
        noClasses().that().resideInAPackage("dev.hearth.cli..")
                .should().dependOnClassesThat().resideInAnyPackage(DRIVER_PACKAGES)
                .check(hearth);
    }

    @Test
    @DisplayName("the agent sees sandboxes through the SPI only (SandboxDriver, GuestDriver): no driver package "
            + "outside dev.hearth.agent.host, the one place that builds a host's runtimes")
    void agentSeesOnlyTheSpi() {
        noClasses().that().resideInAPackage("dev.hearth.agent..").and().resideOutsideOfPackage("dev.hearth.agent.host")
                .should().dependOnClassesThat().resideInAnyPackage(DRIVER_PACKAGES)
                .check(hearth);
    }

    @Test
    @DisplayName("the store's JSON columns are read only inside the store: the rest of the coordinator gets typed "
            + "records (a job's spec, an accepted result, a verdict's checks)")
    void jsonStaysInTheStore() {
        String store = "dev.hearth.coordinator.store.";
        noClasses().that().resideOutsideOfPackage("dev.hearth.coordinator.store..")
                .should().callMethod(store + "JobRecord", "specJson")
                .orShould().callMethod(store + "ResultRecord", "resultJson")
                .orShould().callMethod(store + "VerdictRecord", "checksJson")
                .orShould().callMethod(store + "StoredSpec", "parse", String.class.getName())
                .orShould().callMethod(store + "StoredSpec", "traceIdOf", String.class.getName())
                .check(hearth);
    }

    @Test
    @DisplayName("no package cycles among the agent's packages, the host runtimes included (the CLI above them)")
    void noAgentPackageCycles() {
        com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices()
                .matching("dev.hearth.agent.(*)..").should().beFreeOfCycles().check(hearth);
    }

    @Test
    @DisplayName("the host runtimes are built in one place: only dev.hearth.agent.host constructs the job drivers")
    void oneHostRuntime() {
        noClasses().that().resideOutsideOfPackages("dev.hearth.agent.host..", "dev.hearth.sandbox..",
                        "dev.hearth.bench..")
                .should().callConstructor(dev.hearth.sandbox.microvm.MicroVmDriver.class,
                        dev.hearth.sandbox.vm.Vmm.class, dev.hearth.sandbox.image.GuestImage.class,
                        java.util.Optional.class, java.nio.file.Path.class,
                        dev.hearth.sandbox.microvm.MicroVmSettings.class, java.time.InstantSource.class)
                .orShould().callMethod(dev.hearth.sandbox.docker.DockerDriver.class, "connect", String.class,
                        dev.hearth.sandbox.docker.ImagePolicy.class)
                .check(hearth);
    }

    @Test
    @DisplayName("only the Docker driver package talks to docker-java")
    void dockerJavaConfined() {
        noClasses().that().resideOutsideOfPackage("dev.hearth.sandbox.docker..")
                .should().dependOnClassesThat().resideInAnyPackage("com.github.dockerjava..")
                .check(hearth);
    }

    @Test
    @DisplayName("the client library knows only core: no Helidon, agent, sandbox, coordinator or CLI code")
    void clientIsALibrary() {
        noClasses().that().resideInAPackage("dev.hearth.client..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.hearth.sandbox..", "dev.hearth.agent..",
                        "dev.hearth.coordinator..", "dev.hearth.cli..", "io.helidon..")
                .check(hearth);
    }

    @Test
    @DisplayName("the CLI's job commands reach the coordinator's jobs API only through hearth-client")
    void jobCommandsUseTheClient() throws java.io.IOException {
        noClasses().that().resideInAPackage("dev.hearth.cli").and().haveNameMatching("dev\\.hearth\\.cli\\.(JobCommand|Follow)(\\$.*)?")
                .should().dependOnClassesThat().resideInAnyPackage("java.net.http..")
                .orShould().dependOnClassesThat().haveNameMatching("dev\\.hearth\\.cli\\.CoordinatorClient(\\$.*)?")
                .check(hearth);
        // ArchUnit does not see string constants: no CLI source writes a jobs API path itself
        try (var sources = java.nio.file.Files.walk(java.nio.file.Path.of("src/main/java"))) {
            java.util.List<String> writers = sources.filter(f -> f.toString().endsWith(".java")).filter(f -> {
                try {
                    return java.nio.file.Files.readString(f).contains("\"/v1/jobs");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).map(Object::toString).toList();
            org.assertj.core.api.Assertions.assertThat(writers).as("CLI sources that write a /v1/jobs path").isEmpty();
        }
    }
}
