// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.units;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.core.InvalidInputException;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("Sizes, durations and CPU counts parse as the flags document them")
class UnitsTest {

    @ParameterizedTest(name = "{0} is {1} bytes")
    @CsvSource({"512m,536870912", "2g,2147483648", "1.5g,1610612736", "64k,65536", "100,100", "512MiB,536870912",
            "1G,1073741824", "8gb,8589934592"})
    void sizes(String text, long bytes) {
        assertThat(ByteSize.parse("--memory", text).bytes()).isEqualTo(bytes);
    }

    @ParameterizedTest(name = "size ''{0}'' is refused naming the flag")
    @ValueSource(strings = {"12q", "0", "-1m", "m", "", "1.2.3g", "0.0000001k"})
    void badSizes(String text) {
        assertThatThrownBy(() -> ByteSize.parse("--memory", text))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("--memory '" + text + "' is invalid")
                .hasMessageContaining("512m");
    }

    @Test
    @DisplayName("a size prints in its shortest exact form")
    void sizeToString() {
        assertThat(ByteSize.parse("x", "1536m")).hasToString("1536m");
        assertThat(ByteSize.parse("x", "2g")).hasToString("2g");
        assertThat(ByteSize.parse("x", "1000")).hasToString("1000b");
    }

    @ParameterizedTest(name = "{0} is {1} ms")
    @CsvSource({"300s,300000", "5m,300000", "1h30m,5400000", "250ms,250", "10,10000", "1.5s,1500", "2d,172800000"})
    void durations(String text, long millis) {
        assertThat(DurationText.parsePositive("--timeout", text)).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest(name = "duration ''{0}'' is refused naming the flag")
    @ValueSource(strings = {"0", "0s", "-5s", "5x", "s", "", "1h-5m", "5 m"})
    void badDurations(String text) {
        assertThatThrownBy(() -> DurationText.parsePositive("--timeout", text))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("--timeout '" + text + "' is invalid")
                .hasMessageContaining("300s");
    }

    @Test
    @DisplayName("durations print short")
    void formatDurations() {
        assertThat(DurationText.format(Duration.ofMillis(250))).isEqualTo("250ms");
        assertThat(DurationText.format(Duration.ofMillis(1500))).isEqualTo("1.5s");
        assertThat(DurationText.format(Duration.ofSeconds(300))).isEqualTo("5m");
        assertThat(DurationText.format(Duration.ofSeconds(3725))).isEqualTo("1h2m5s");
    }

    @ParameterizedTest(name = "{0} CPUs is {1} nano-CPUs")
    @CsvSource({"1,1000000000", "1.5,1500000000", "0.25,250000000", ".5,500000000", "0.001,1000000"})
    void cpus(String text, long nanos) {
        assertThat(CpuQuota.parse("--cpus", text).nanoCpus()).isEqualTo(nanos);
    }

    @ParameterizedTest(name = "CPU count ''{0}'' is refused naming the flag")
    @ValueSource(strings = {"0", "-1", "0.0001", "abc", "", "2000", "1e3"})
    void badCpus(String text) {
        assertThatThrownBy(() -> CpuQuota.parse("--cpus", text))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("--cpus '" + text + "' is invalid");
    }
}
