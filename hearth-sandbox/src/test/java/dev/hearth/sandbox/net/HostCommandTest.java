// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("HostCommand")
class HostCommandTest {

    private final HostCommand host = new HostCommand(Optional.empty(), Duration.ofSeconds(10));

    @Test
    @DisplayName("a failed command is reported with its command line, exit status and stderr")
    void failureCarriesCommandAndStderr() {
        assertThatThrownBy(() -> host.run("ip", "link", "show", "dev", "hearth-none0"))
                .isInstanceOfSatisfying(HostCommandException.class, e -> {
                    assertThat(e.commandLine()).isEqualTo("ip link show dev hearth-none0");
                    assertThat(e.exitCode()).isEqualTo(1);
                    assertThat(e.stderr()).contains("does not exist");
                    assertThat(e.getMessage()).contains("`ip link show dev hearth-none0` failed with exit status 1: ")
                            .contains("does not exist");
                });
    }

    @Test
    @DisplayName("a command inside a namespace names the namespace in its command line")
    void namespaceInCommandLine() {
        HostCommand inNs = new HostCommand(Optional.of("hearth-test-none"), Duration.ofSeconds(10));

        assertThatThrownBy(() -> inNs.run("ip", "link")).isInstanceOfSatisfying(HostCommandException.class,
                e -> assertThat(e.commandLine()).isEqualTo("ip netns exec hearth-test-none ip link"));
    }

    @Test
    @DisplayName("a command past its deadline is killed and reported as such")
    void deadline() {
        HostCommand quick = new HostCommand(Optional.empty(), Duration.ofMillis(200));

        assertThatThrownBy(() -> quick.run("sleep", "30")).isInstanceOf(HostCommandException.class)
                .hasMessageContaining("`sleep 30` did not finish within 200 ms and was killed");
    }

    @Test
    @DisplayName("a missing program is reported with its command line")
    void missingProgram() {
        assertThatThrownBy(() -> host.run("hearth-no-such-program", "x")).isInstanceOf(HostCommandException.class)
                .hasMessageContaining("cannot run `hearth-no-such-program x`");
    }

    @Test
    @DisplayName("stdout comes back whole")
    void stdout() throws Exception {
        assertThat(host.run("echo", "hello")).isEqualTo("hello\n");
    }
}
