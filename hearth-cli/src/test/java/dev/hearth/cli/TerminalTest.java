// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.sandbox.TerminalSize;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("the caller's terminal size, from stty size")
class TerminalTest {

    @Test
    @DisplayName("ROWS COLS is taken as it is; a 0 by 0 terminal, garbage or a size out of bounds gives 24 by 80")
    void parseSize() {
        assertThat(Terminal.parseSize("50 210\n")).isEqualTo(new TerminalSize(50, 210));
        assertThat(Terminal.parseSize("0 0\n")).isEqualTo(TerminalSize.DEFAULT);
        assertThat(Terminal.parseSize("stty: standard input: Inappropriate ioctl\n")).isEqualTo(TerminalSize.DEFAULT);
        assertThat(Terminal.parseSize("99999 80")).isEqualTo(TerminalSize.DEFAULT);
        assertThat(Terminal.parseSize("40")).isEqualTo(TerminalSize.DEFAULT);
        assertThat(TerminalSize.DEFAULT).isEqualTo(new TerminalSize(24, 80));
    }
}
