// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The build stamp: hearth --version prints the version and the git commit")
class BuildInfoTest {

    @Test
    @DisplayName("the jar carries the project's version, and --version prints it with the commit and the Java")
    void stamped() throws Exception {
        Matcher m = Pattern.compile("<artifactId>hearth-parent</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(Files.readString(Path.of("pom.xml")));
        assertThat(m.find()).isTrue();
        BuildInfo info = BuildInfo.current();
        assertThat(info.version()).isEqualTo(m.group(1));
        assertThat(info.commit()).matches("unknown|[0-9a-f]{7,40}(-dirty)?");

        CliRun r = CliRun.of("--version");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).startsWith("hearth " + m.group(1) + " (commit " + info.commit() + ")\n")
                .contains("Java " + Runtime.version()).doesNotContain("development build");
    }

    @Test
    @DisplayName("a stamp the build did not fill reads as unknown, never as ${...}; the agent reports version+commit")
    void unfilled() {
        Properties p = new Properties();
        p.setProperty("version", "0.2.0");
        p.setProperty("commit", "${hearth.commit}");
        assertThat(BuildInfo.of(p)).isEqualTo(new BuildInfo("0.2.0", "unknown"));
        assertThat(BuildInfo.of(p).agentVersion()).isEqualTo("0.2.0");
        p.setProperty("commit", "3f2a9c1d0b7e");
        assertThat(BuildInfo.of(p).agentVersion()).isEqualTo("0.2.0+3f2a9c1d0b7e");
        assertThat(BuildInfo.of(new Properties()).version()).isEqualTo("development");
    }
}
