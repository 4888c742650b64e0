// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.instance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.core.InvalidInputException;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@DisplayName("InstanceSpec: fireclaw's flags, defaults and validation")
class InstanceSpecTest {

    private static InstanceSpec.Builder valid() {
        return InstanceSpec.builder().id("my-bot").telegramToken("123456:ABC-def");
    }

    @Test
    @DisplayName("defaults are fireclaw's, and secrets never show in the text")
    void defaults() {
        InstanceSpec s = valid().build();
        assertThat(s.model()).isEqualTo("anthropic/claude-opus-4-6");
        assertThat(s.skills()).containsExactly("github", "tmux", "coding-agent", "session-logs", "skill-creator");
        assertThat(s.vcpus()).isEqualTo(4);
        assertThat(s.memoryMib()).isEqualTo(8192);
        assertThat(s.diskSize().bytes()).isEqualTo(40L << 30);
        assertThat(s.runtime()).isEqualTo(InstanceRuntime.DOCKER);
        assertThat(s.hostPort()).isZero();
        assertThat(valid().anthropicApiKey("sk-ant-secret").build().toString())
                .doesNotContain("ABC-def").doesNotContain("sk-ant-secret");
    }

    static Stream<Arguments> badFlags() {
        return Stream.of(
                bad("--instance", b -> b.id("My Bot"), "must match [a-z0-9_-]{1,63}"),
                bad("--instance", b -> b.id("a".repeat(64)), "[a-z0-9_-]{1,63}"),
                bad("--instance", b -> b.id(null), "is required"),
                bad("--telegram-token", b -> b.telegramToken(null), "is required"),
                bad("--telegram-token", b -> b.telegramToken("has space"), "(hidden)"),
                bad("--telegram-users", b -> b.telegramUsers("12,abc"), "Telegram user ids"),
                bad("--model", b -> b.model("no-slash"), "provider/model"),
                bad("--skills", b -> b.skills("github,Bad Skill"), "skill names"),
                bad("--openclaw-image", b -> b.openclawImage("UPPER CASE"), ""),
                bad("--host-port", b -> b.hostPort("0"), "1..65535"),
                bad("--host-port", b -> b.hostPort("65536"), "1..65535"),
                bad("--host-port", b -> b.hostPort("http"), "1..65535"),
                bad("--vm-vcpu", b -> b.vcpus("0"), "1..64"),
                bad("--vm-vcpu", b -> b.vcpus("two"), "1..64"),
                bad("--vm-mem-mib", b -> b.memoryMib("64"), "256..1048576"),
                bad("--disk-size", b -> b.diskSize("lots"), "size"),
                bad("--disk-size", b -> b.diskSize("100m"), "at least 1G"),
                bad("--anthropic-api-key", b -> b.anthropicApiKey("a'b"), "(hidden)"),
                bad("--openai-api-key", b -> b.openaiApiKey(""), "(hidden)"),
                bad("--minimax-api-key", b -> b.minimaxApiKey("x\ny"), "(hidden)"),
                bad("--runtime", b -> b.runtime("kvm"), "docker, qemu or firecracker"),
                bad("--base-kernel", b -> b.baseKernel("/k"), "--runtime qemu or firecracker"),
                bad("--base-rootfs", b -> b.runtime("qemu").baseRootfs("relative.ext4"), "absolute path"),
                bad("--base-initrd", b -> b.baseInitrd("/i"), "--runtime qemu or firecracker"));
    }

    private static Arguments bad(String flag, UnaryOperator<InstanceSpec.Builder> change, String says) {
        return Arguments.of(flag, change, says);
    }

    @ParameterizedTest(name = "{0}: {2}")
    @MethodSource("badFlags")
    @DisplayName("each flag's bad value is refused, naming the flag and the accepted form, never echoing a secret")
    void badValue(String flag, UnaryOperator<InstanceSpec.Builder> change, String says) {
        assertThatThrownBy(() -> change.apply(valid()).build())
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith(flag.equals("--instance") && !says.contains("required") ? "instance id" : flag)
                .hasMessageContaining(says)
                .hasMessageNotContaining("a'b").hasMessageNotContaining("has space");
    }

    @Test
    @DisplayName("the style example: instance id 'My Bot' must match [a-z0-9_-]{1,63}")
    void idMessage() {
        assertThatThrownBy(() -> InstanceSpec.checkId("My Bot"))
                .hasMessage("instance id 'My Bot' is invalid: it must match [a-z0-9_-]{1,63} (lower-case letters, "
                        + "digits, '_' and '-')");
    }
}
