// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static dev.hearth.cli.Table.Column.free;
import static dev.hearth.cli.Table.Column.keep;
import static dev.hearth.cli.Table.Column.number;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The table renderer: columns two spaces apart, fitted to the terminal by cutting free text, never ids")
class TableTest {

    private static final String ID = "0b8e3c52-3f4a-4cf1-9f3e-5a1d2c7e9b10";

    private static Table jobs() {
        return Table.of(List.of(new String[] {ID, "failed", "the sandbox ran out of memory after 12 minutes", "7"},
                new String[] {"short", "completed", null, "12"}),
                keep("JOB"), keep("STATE"), free("REASON"), number("TRIES"));
    }

    @Test
    @DisplayName("unlimited: every cell whole, columns aligned, numbers to the right, a missing cell as '-'")
    void unlimited() {
        List<String> lines = jobs().lines(Table.UNLIMITED);
        assertThat(lines).containsExactly(
                "JOB                                   STATE      REASON                                          TRIES",
                ID + "  failed     the sandbox ran out of memory after 12 minutes      7",
                "short                                 completed  -                                                  12");
    }

    @Test
    @DisplayName("too wide for the terminal: the free-text column is cut with an ellipsis; ids and numbers stay whole")
    void narrow() {
        List<String> lines = jobs().lines(72);
        assertThat(lines).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(72));
        assertThat(lines.get(1)).startsWith(ID + "  failed     the sandbox").contains("…").endsWith("7");
        assertThat(lines.get(2)).startsWith("short").endsWith("12");
        assertThat(jobs().lines(200)).isEqualTo(jobs().lines(Table.UNLIMITED));
    }

    @Test
    @DisplayName("the widest free column gives way first; no free column left to cut: the table overflows, ids whole")
    void widestFirstAndNeverIds() {
        Table t = Table.of(List.<String[]>of(new String[] {ID, "rack-4.example.org", "x".repeat(40)}),
                keep("NODE"), free("HOST"), free("DETAIL"));
        List<String> lines = t.lines(80);
        assertThat(lines.get(1)).contains("rack-4.example.org").contains("…").hasSize(80);
        List<String> tiny = t.lines(10);
        assertThat(tiny.get(1)).startsWith(ID + "  ");
        assertThat(tiny.get(0)).isEqualTo("NODE                                  HOST  DETAIL");
    }

    @Test
    @DisplayName("the width: COLUMNS or the terminal's on a terminal; unlimited on a pipe or file, COLUMNS or not")
    void width() {
        assertThat(Table.width(Map.of("COLUMNS", "50"), false)).isEqualTo(Table.UNLIMITED);
        assertThat(Table.width(Map.of("COLUMNS", "50"), true)).isEqualTo(50);
        // no controlling terminal under the test runner: a bad COLUMNS falls back to 80
        assertThat(Table.width(Map.of("COLUMNS", "wide"), true)).isPositive();
        assertThat(Table.width(Map.of(), true)).isPositive();
    }
}
