// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Progress: a live line with step, elapsed time and percentage on a terminal; plain lines elsewhere")
class LiveLineTest {

    @Test
    @DisplayName("on a terminal the live line is redrawn in place with the step, its time and a tool's percentage, "
            + "and erased before each permanent line")
    void terminal() throws Exception {
        StringWriter text = new StringWriter();
        ConsoleProgress progress = new ConsoleProgress(new LiveLine(new PrintWriter(text), true), false);
        progress.step("build kernel");
        progress.detail("  CC      kernel/fork.o [ 45%]");
        Thread.sleep(1200); // the redraw comes every half second
        progress.done("kernel built");
        String out = text.toString();
        assertThat(out).contains("==> build kernel\n").contains("\r\033[K==> build kernel ... 1s (45%)")
                .contains("\r\033[K    done: build kernel (").endsWith("==> kernel built\n");
        // every permanent line starts at a cleared line: none is glued to a live one
        assertThat(out.replace("\r\033[K", "\n")).contains("\n    done: build kernel");
    }

    @Test
    @DisplayName("off a terminal only the plain lines are written: no carriage return, no escape")
    void plain() {
        StringWriter text = new StringWriter();
        ConsoleProgress progress = new ConsoleProgress(new LiveLine(new PrintWriter(text), false), true);
        progress.step("assemble root");
        progress.detail("50% done");
        progress.done("root made");
        assertThat(text.toString()).doesNotContain("\r").doesNotContain("\033")
                .startsWith("==> assemble root\n    50% done\n    done: assemble root (").endsWith("==> root made\n");
    }

    @Test
    @DisplayName("a percentage is read only from 0 to 100, the last one on a line")
    void percentages() {
        LiveLine live = new LiveLine(new PrintWriter(new StringWriter()), false);
        live.step("pull");
        live.sawOutput("layer 1: 12% layer 2: 80 %");
        assertThat(live.text()).endsWith("(80%)");
        live.sawOutput("1250% nonsense");
        assertThat(live.text()).endsWith("(80%)");
        live.step("next");
        assertThat(live.text()).doesNotContain("%");
    }
}
