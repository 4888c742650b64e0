// SPDX-License-Identifier: Apache-2.0
package dev.hearth.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.hearth.core.InvalidInputException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("job-overhead: statistics, argument parsing and interleaving, without an engine")
class JobOverheadTest {

    private static List<Long> millis(long... values) {
        return LongStream.of(values).map(v -> v * 1_000_000).boxed().toList();
    }

    @Test
    @DisplayName("median averages the middle pair of an even count; p90 is the nearest rank")
    void evenCount() {
        Samples s = Samples.of(millis(10, 1, 9, 2, 8, 3, 7, 4, 6, 5));
        assertThat(s.medianMillis()).isEqualTo(5.5);
        assertThat(s.p90Millis()).isEqualTo(9.0);
        assertThat(s.percentileMillis(100)).isEqualTo(10.0);
    }

    @Test
    @DisplayName("median of an odd count is the middle sample; p90 of 20 is the 18th smallest")
    void oddCountAndTwenty() {
        assertThat(Samples.of(millis(30, 10, 20)).medianMillis()).isEqualTo(20.0);
        assertThat(Samples.of(millis(7)).p90Millis()).isEqualTo(7.0);
        Samples twenty = Samples.of(LongStream.rangeClosed(1, 20).map(v -> v * 1_000_000).boxed().toList());
        assertThat(twenty.p90Millis()).isEqualTo(18.0);
        assertThat(twenty.medianMillis()).isEqualTo(10.5);
    }

    @Test
    @DisplayName("the result line gives n, rounded medians and p90s, and the ratio of the unrounded medians")
    void line() {
        var result = new JobOverheadResult(Samples.of(millis(600, 612, 700)), Samples.of(millis(500, 540, 610)));
        assertThat(result.ratio()).isCloseTo(612.0 / 540.0, within(1e-9));
        assertThat(result.line()).isEqualTo(
                "job-overhead: n=3 hearth median=612ms p90=700ms bare median=540ms p90=610ms ratio=1.13");
    }

    @Test
    @DisplayName("--n defaults to 20 and takes both --n N and --n=N")
    void parsesN() {
        assertThat(JobOverheadArgs.parse(List.of()).n()).isEqualTo(20);
        assertThat(JobOverheadArgs.parse(List.of("--n", "5")).n()).isEqualTo(5);
        assertThat(JobOverheadArgs.parse(List.of("--n=7")).n()).isEqualTo(7);
    }

    @ParameterizedTest(name = "--n {0} is refused")
    @ValueSource(strings = {"0", "-3", "many", "1.5", "", "10001"})
    void refusesBadN(String value) {
        assertThatThrownBy(() -> JobOverheadArgs.parse(List.of("--n", value)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("--n '" + value + "' is invalid: a whole number of rounds from 1 to 10000, e.g. --n 20");
    }

    @Test
    @DisplayName("--n without a value and unknown options are refused, naming the flag")
    void refusesMissingValueAndUnknownOption() {
        assertThatThrownBy(() -> JobOverheadArgs.parse(List.of("--n"))).hasMessageStartingWith("--n is required");
        assertThatThrownBy(() -> JobOverheadArgs.parse(List.of("--rounds", "3")))
                .hasMessage("job-overhead option '--rounds' is invalid: only --n N");
    }

    @Test
    @DisplayName("the command line exits 2 with a usage message for a bad --n or an unknown benchmark")
    void usageExit() {
        Run badN = Run.of("job-overhead", "--n", "zero");
        assertThat(badN.exit()).isEqualTo(2);
        assertThat(badN.err()).contains("hearth-bench: --n 'zero' is invalid: a whole number of rounds from 1 to")
                .contains("hearth-bench --help");
        assertThat(badN.out()).isEmpty();

        Run unknown = Run.of("startup");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("hearth-bench: benchmark 'startup' is invalid: one of job-overhead")
                .contains("Usage: hearth-bench BENCHMARK");

        assertThat(Run.of().exit()).isEqualTo(2);
        Run help = Run.of("--help");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("job-overhead [--n N]");
    }

    @Test
    @DisplayName("warm-up rounds are not counted, and the contender that goes first alternates")
    void interleaves() throws Exception {
        List<String> calls = new ArrayList<>();
        Contender hearth = new Recording("hearth", calls);
        Contender bare = new Recording("bare", calls);
        var progress = new ByteArrayOutputStream();
        JobOverheadResult result = JobOverhead.measure(3, 2, hearth, bare,
                new PrintStream(progress, true, StandardCharsets.UTF_8));
        assertThat(result.n()).isEqualTo(3);
        assertThat(calls).containsExactly(
                "hearth", "bare", "bare", "hearth", // warm-up
                "hearth", "bare", "bare", "hearth", "hearth", "bare");
        assertThat(progress.toString(StandardCharsets.UTF_8)).contains("warm-up 2/2").contains("round 3/3");
    }

    private record Recording(String name, List<String> calls) implements Contender {
        @Override
        public void runOnce() {
            calls.add(name);
        }
    }

    private record Run(int exit, String out, String err) {
        static Run of(String... args) {
            var out = new ByteArrayOutputStream();
            var err = new ByteArrayOutputStream();
            int exit = BenchMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        }
    }
}
