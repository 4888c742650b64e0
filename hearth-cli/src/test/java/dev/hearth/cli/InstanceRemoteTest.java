// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.core.json.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class InstanceRemoteTest {

    @Test
    @DisplayName("a remote command's steps print as lines, the newest live with its time on a terminal until it ends")
    void stepsAreLiveOnATerminal() throws Exception {
        StringWriter out = new StringWriter();
        try (LiveLine live = new LiveLine(new PrintWriter(out), true)) {
            int shown = InstanceRemote.show(request("pending", "allocate", "provision"), 0, live);
            assertThat(shown).isEqualTo(2);
            assertThat(out.toString()).contains("  allocate (node n1)\n").contains("  provision (node n1)\n");
            assertThat(live.text()).startsWith("==> provision (node n1) ... ");
            shown = InstanceRemote.show(request("done", "allocate", "provision", "health"), shown, live);
            assertThat(shown).isEqualTo(3);
            assertThat(out.toString()).contains("  health (node n1)\n");
            assertThat(live.text()).as("the command ended: no live line").isNull();
        }
    }

    private static JsonNode request(String state, String... steps) {
        var r = Json.mapper().createObjectNode().put("state", state).put("nodeId", "n1");
        var list = r.putArray("steps");
        for (String s : steps) {
            list.addObject().put("step", s);
        }
        return r;
    }
}
