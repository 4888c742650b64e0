// SPDX-License-Identifier: Apache-2.0
package dev.hearth.bench.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.hearth.bench.Samples;
import dev.hearth.core.InvalidInputException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.LongStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("agents-sim: /proc parsing, the open-file check, arguments and the report, without a coordinator")
class AgentsSimTest {

    private static final String STAT = "4242 (java (main) x) S 1 4242 4242 0 -1 4194560 9145 0 0 0 1234 567 0 0 20 0 "
            + "38 0 1234567 4000000000 51200 18446744073709551615 1 1 0 0 0 0 4 0 16800975 0 0 0 17 1 0 0 0 0 0";

    @Test
    @DisplayName("utime + stime are fields 14 and 15, even when the command name holds spaces and parentheses")
    void cpuTicks() {
        assertThat(ProcStats.cpuTicks(STAT)).isEqualTo(1234 + 567);
        assertThatThrownBy(() -> ProcStats.cpuTicks("no command here")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ProcStats.cpuTicks("1 (x) S 1 2")).hasMessageContaining("expected at least 15");
    }

    @Test
    @DisplayName("VmRSS and VmHWM are read in KiB from /proc/PID/status; a missing line is an error naming it")
    void statusKib() {
        String status = "Name:\tjava\nVmPeak:\t 9000000 kB\nVmHWM:\t  300000 kB\nVmRSS:\t  250000 kB\nThreads:\t40\n";
        assertThat(ProcStats.statusKib(status, "VmRSS")).isEqualTo(250_000);
        assertThat(ProcStats.statusKib(status, "VmHWM")).isEqualTo(300_000);
        assertThatThrownBy(() -> ProcStats.statusKib("Name:\tzombie\n", "VmRSS")).hasMessageContaining("no VmRSS");
    }

    @Test
    @DisplayName("CPU is ticks at 100 per second over the elapsed time, as a percentage of one core")
    void cpuPercent() {
        var before = new ProcStats.Sample(1000, 0, 0);
        var after = new ProcStats.Sample(1150, 0, 0);
        assertThat(ProcStats.cpuPercentOfOneCore(before, after, 1_000_000_000L)).isCloseTo(150.0, within(1e-9));
        assertThat(ProcStats.cpuPercentOfOneCore(before, after, 10_000_000_000L)).isCloseTo(15.0, within(1e-9));
        assertThatThrownBy(() -> ProcStats.cpuPercentOfOneCore(before, after, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("the soft open-file limit is read from /proc/PID/limits, and a limit too low is named with the fix")
    void openFiles() {
        String limits = """
                Limit                     Soft Limit           Hard Limit           Units
                Max processes             63704                63704                processes
                Max open files            1024                 524288               files
                """;
        assertThat(ProcStats.openFileLimit(limits)).isEqualTo(OptionalLong.of(1024));
        assertThat(ProcStats.openFileLimit("Max open files  unlimited  unlimited  files\n")).isEmpty();
        assertThat(AgentsSim.openFilesProblem(400, OptionalLong.of(1024))).isNull();
        assertThat(AgentsSim.openFilesProblem(10_000, OptionalLong.empty())).isNull();
        assertThat(AgentsSim.openFilesProblem(10_000, OptionalLong.of(1024)))
                .startsWith("the open-file limit (ulimit -n) is 1024, but 10000 agents need about 10512 open files")
                .contains("'ulimit -n 10512'");
    }

    @Test
    @DisplayName("flags take both forms and have defaults; bad values and unknown flags are refused by name")
    void args() {
        AgentsSimArgs d = AgentsSimArgs.parse(List.of());
        assertThat(d).isEqualTo(new AgentsSimArgs(1000, Duration.ofSeconds(10), Duration.ofSeconds(60), 2000, false));
        AgentsSimArgs a = AgentsSimArgs.parse(List.of("--agents", "10000", "--interval=10s", "--duration", "2m",
                "--jobs=0", "--json"));
        assertThat(a).isEqualTo(new AgentsSimArgs(10_000, Duration.ofSeconds(10), Duration.ofMinutes(2), 0, true));
        assertThatThrownBy(() -> AgentsSimArgs.parse(List.of("--agents", "0")))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("--agents '0' is invalid");
        assertThatThrownBy(() -> AgentsSimArgs.parse(List.of("--interval", "soon")))
                .hasMessage("--interval 'soon' is invalid: " + AgentsSimArgs.INTERVAL_FORM);
        assertThatThrownBy(() -> AgentsSimArgs.parse(List.of("--duration", "1s")))
                .hasMessageStartingWith("--duration '1s' is invalid");
        assertThatThrownBy(() -> AgentsSimArgs.parse(List.of("--jobs"))).hasMessageStartingWith("--jobs is required");
        assertThat(AgentsSimArgs.parse(List.of("--db", "postgresql://127.0.0.1:5432/sim?user=hearth",
                "--coordinators", "2"))).isEqualTo(new AgentsSimArgs(1000, Duration.ofSeconds(10),
                Duration.ofSeconds(60), 2000, false, "postgresql://127.0.0.1:5432/sim?user=hearth", 2, 100));
        assertThat(AgentsSimArgs.parse(List.of("--batch", "1")).batch()).isEqualTo(1);
        assertThat(AgentsSimArgs.parse(List.of("--batch=1000")).batch()).isEqualTo(1000);
        assertThatThrownBy(() -> AgentsSimArgs.parse(List.of("--batch", "1001")))
                .hasMessage("--batch '1001' is invalid: " + AgentsSimArgs.BATCH_FORM);
        assertThatThrownBy(() -> AgentsSimArgs.parse(List.of("--coordinators", "2")))
                .hasMessageContaining("--coordinators").hasMessageContaining("need --db");
        assertThatThrownBy(() -> AgentsSimArgs.parse(List.of("--db", "mysql://x/y")))
                .hasMessageContaining("--db").hasMessageContaining("postgresql://HOST:PORT/DATABASE");
        assertThatThrownBy(() -> AgentsSimArgs.parse(List.of("--nodes", "5")))
                .hasMessageStartingWith("agents-sim option '--nodes' is invalid");
    }

    @Test
    @DisplayName("the report gives p50 and p99 by nearest rank, and the JSON carries the same figures")
    void report() {
        Samples rtt = Samples.of(LongStream.rangeClosed(1, 100).map(v -> v * 1_000_000).boxed().toList());
        var result = new AgentsSimResult(1000, 10, 60, 4.2, 6000, Optional.of(rtt), 2000, 4.0, 2000, 350.5,
                Optional.empty(), 2000, 42.5, 300, 350, 80, 0, 0, "postgresql, 2 coordinators", 250);
        assertThat(result.table()).contains("heartbeat rtt p50 / p99 / max    50.5 ms / 99.0 ms / 100.0 ms")
                .contains("heartbeats sent / acked          6000 / 100 (100/s)")
                .contains("jobs placed per second           350.5")
                .contains("jobs submitted per second        500.0 (in 4.0 s, 250 per call)")
                .contains("submit to offer p50 / p99 / max  -")
                .contains("store                            postgresql, 2 coordinators");
        assertThat(result.json()).contains("\"heartbeatRttP50Millis\":50.5").contains("\"heartbeatRttP99Millis\":99.0")
                .contains("\"coordinatorCpuPercentOfOneCore\":42.5").contains("\"jobsPerCall\":250")
                .doesNotContain("submitToOffer");
    }
}
