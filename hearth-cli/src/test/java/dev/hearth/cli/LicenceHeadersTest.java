// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Every source file of Hearth's own (Java, scripts, the dashboard's files, test fixtures in Python) names its licence
 * in its first lines with the SPDX identifier {@code Apache-2.0}, as LICENSE and the POM say. Left out: files that
 * are inputs of content-addressed images (a changed byte is a new image key and a rebuild on every host), the Maven
 * wrapper (Apache's own, with its own header) and data (JSON, SQL migrations, whose checksums Flyway keeps).
 */
@DisplayName("Every source file names its licence (SPDX Apache-2.0) in its first lines")
class LicenceHeadersTest {

    private static final String TAG = "SPDX-License-Identifier: Apache-2.0";
    private static final Set<String> IMAGE_INPUTS = Set.of(
            "hearth-sandbox/src/main/resources/dev/hearth/sandbox/image/vm/hearth-init",
            "hearth-sandbox/src/main/resources/dev/hearth/sandbox/image/vm/hearth-guest.c",
            "hearth-sandbox/src/main/resources/dev/hearth/sandbox/image/vm/build-kernel.sh",
            "scripts/lib/debian-systemd-root");

    @Test
    @DisplayName("Java, scripts, dashboard and fixture sources all carry the SPDX line")
    void everySourceFile() throws IOException {
        Path root = Path.of("..").toAbsolutePath().normalize();
        List<String> missing = new ArrayList<>();
        List<Path> checked = new ArrayList<>();
        for (Path file : sources(root)) {
            String rel = root.relativize(file).toString();
            if (IMAGE_INPUTS.contains(rel)) {
                continue;
            }
            checked.add(file);
            try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
                if (lines.limit(5).noneMatch(l -> l.contains(TAG))) {
                    missing.add(rel);
                }
            }
        }
        assertThat(checked).as("source files found under " + root).hasSizeGreaterThan(500);
        assertThat(missing).as("files without '" + TAG + "' in their first 5 lines (scripts/licence-headers adds it)")
                .isEmpty();
    }

    private static List<Path> sources(Path root) throws IOException {
        List<Path> out = new ArrayList<>();
        for (String dir : List.of("bin", "scripts", ".ci", "packaging/deb")) {
            try (Stream<Path> s = Files.walk(root.resolve(dir))) {
                s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().equals("control"))
                        .forEach(out::add);
            }
        }
        try (Stream<Path> modules = Files.list(root)) {
            for (Path module : modules.filter(p -> p.getFileName().toString().startsWith("hearth-")).toList()) {
                Path src = module.resolve("src");
                if (!Files.isDirectory(src)) {
                    continue;
                }
                try (Stream<Path> s = Files.walk(src)) {
                    s.filter(Files::isRegularFile).filter(LicenceHeadersTest::isSource).forEach(out::add);
                }
            }
        }
        return out;
    }

    private static boolean isSource(Path file) {
        String name = file.getFileName().toString();
        return name.endsWith(".java") || name.endsWith(".py") || name.endsWith(".sh") || name.endsWith(".js")
                || name.endsWith(".css") || name.endsWith(".html") || name.endsWith(".c");
    }
}
