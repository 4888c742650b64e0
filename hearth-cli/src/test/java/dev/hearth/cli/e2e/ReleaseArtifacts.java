// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;

/**
 * The release under test, built once per test JVM: {@code -Dhearth.release.tarball=FILE} and
 * {@code -Dhearth.release.deb=FILE} when given, else one run of {@code scripts/release} (a few minutes; its log in
 * {@code target/e2e-logs/release-build.log}) whose tarball and .deb every release test shares. Thread-safe.
 */
final class ReleaseArtifacts {

    private static Path built;

    private ReleaseArtifacts() {
    }

    /** {@code hearth-VERSION-linux-x64.tar.gz}. */
    static Path tarball() throws Exception {
        return given("hearth.release.tarball", "hearth-.*-linux-x64\\.tar\\.gz");
    }

    /** {@code hearth_VERSION_amd64.deb}. */
    static Path deb() throws Exception {
        return given("hearth.release.deb", "hearth_.*_amd64\\.deb");
    }

    /** Whether the tarball is built from this tree (no {@code -Dhearth.release.tarball}): its commit is HEAD's. */
    static boolean fromThisTree() {
        String file = System.getProperty("hearth.release.tarball");
        return file == null || file.isBlank();
    }

    private static Path given(String property, String pattern) throws Exception {
        String file = System.getProperty(property);
        if (file != null && !file.isBlank()) {
            return Path.of(file).toAbsolutePath();
        }
        Path dist = build();
        try (var files = Files.list(dist)) {
            return files.filter(f -> f.getFileName().toString().matches(pattern))
                    .max(Comparator.comparing(f -> f.toFile().lastModified()))
                    .orElseThrow(() -> new AssertionError("scripts/release made no " + pattern + " in " + dist));
        }
    }

    private static synchronized Path build() throws Exception {
        Path repo = Path.of("..").toAbsolutePath().normalize();
        if (built == null) {
            Process p = new ProcessBuilder(repo.resolve("scripts/release").toString()).directory(repo.toFile())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(
                            Files.createDirectories(Path.of("target", "e2e-logs")).resolve("release-build.log")
                                    .toFile()))
                    .start();
            assertThat(p.waitFor(15, TimeUnit.MINUTES)).as("scripts/release within 15 minutes").isTrue();
            assertThat(p.exitValue()).as("scripts/release (target/e2e-logs/release-build.log)").isZero();
            built = repo.resolve("dist");
        }
        return built;
    }
}
