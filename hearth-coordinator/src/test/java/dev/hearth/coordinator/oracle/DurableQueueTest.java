// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.coordinator.ResultFrames;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The verification queue is durable: a result accepted before a restart gets its verdict after it")
class DurableQueueTest {

    @TempDir
    Path data;
    private OracleCluster cluster;

    @AfterEach
    void stop() {
        cluster.close();
    }

    @Test
    @DisplayName("accepted while the verifier is paused, coordinator closed, reopened: the verdict arrives, once")
    void verdictSurvivesRestart() throws Exception {
        cluster = new OracleCluster(data).start(OraclePolicy.DEFAULTS, true);
        OracleCluster.Node node = cluster.hearthNode(2);
        String id = cluster.submit("{\"command\":[\"echo\",\"hi\"]}");
        JsonNode offer = node.agent().expect("job");

        node.agent().send(ResultFrames.frame(ResultFrames.honest(offer, node.id(), node.key(), "hi\n", 0)));

        JsonNode ack = node.agent().expect("result_ack");
        assertThat(ack.get("accepted").asBoolean()).isTrue();
        assertThat(ack.get("verdict").asText()).isEqualTo("pending");
        JsonNode waiting = cluster.job(id);
        assertThat(waiting.path("state").asText()).isEqualTo("verifying");
        assertThat(waiting.at("/verdict/outcome").asText()).isEqualTo("pending");
        assertThat(cluster.heard).isEmpty();

        cluster.stop();
        cluster.start(OraclePolicy.DEFAULTS, false);

        JsonNode done = cluster.awaitJob(id, "completed");
        assertThat(done.at("/verdict/outcome").asText()).isEqualTo("passed");
        assertThat(cluster.credited(id)).isEqualTo(1);
    }

    @Test
    @DisplayName("a verdict decided but not yet heard by the listeners is announced after a restart")
    void unannouncedVerdictIsAnnounced() throws Exception {
        cluster = new OracleCluster(data).start(OraclePolicy.DEFAULTS, false);
        OracleCluster.Node node = cluster.hearthNode(2);
        String id = cluster.submit("{\"command\":[\"echo\",\"hi\"]}");
        JsonNode offer = node.agent().expect("job");
        cluster.server.verifier().addListener((job, n, v) -> {
            throw new IllegalStateException("the ledger is down");
        });
        node.agent().send(ResultFrames.frame(ResultFrames.honest(offer, node.id(), node.key(), "hi\n", 0)));
        assertThat(node.agent().expect("result_ack").get("verdict").asText()).isEqualTo("passed");
        assertThat(cluster.credited(id)).as("the recorder, first in line, heard it").isEqualTo(1);

        cluster.stop();
        cluster.heard.clear();
        cluster.start(OraclePolicy.DEFAULTS, false);

        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(15);
        while (cluster.credited(id) == 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(cluster.credited(id)).isEqualTo(1);
    }
}
