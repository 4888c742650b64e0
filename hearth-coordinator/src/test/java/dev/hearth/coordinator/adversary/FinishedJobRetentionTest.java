// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.adversary;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.coordinator.ScriptedHearthNode;
import dev.hearth.coordinator.store.MutableClock;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A coordinator that keeps every finished job whole grows for ever, a cost any submitter can impose with many small
 * jobs. With {@code --retain-finished}, a job final for longer than the retention (on the coordinator's injected
 * clock, moved by hand) is pruned to a tombstone: its spec, logs, result and receipt go, its state and ledger entries
 * stay, and the ledger still balances; a younger job is untouched.
 */
@DisplayName("Retention: finished jobs older than --retain-finished are pruned to tombstones; the ledger still holds")
class FinishedJobRetentionTest extends AdversaryScenario {

    @Test
    @DisplayName("a job finished 2 days ago under a 1-day retention loses spec, logs, full log and receipt and says "
            + "pruned; a young one keeps them; every hold settled once")
    void prunesOldFinishedJobs() throws Exception {
        // two days behind: the first job runs "then" (its node's clock agrees), the rest after the clock is moved to
        // about now, on nodes timed by the system clock
        MutableClock clock = new MutableClock(Instant.now().minus(Duration.ofDays(2)));
        coordinator = AdversaryCoordinator.start(AdversaryCoordinator.config(data)
                .withRetainFinished(Duration.ofDays(1)), AdversaryCoordinator.MOVED_CLOCK_ORACLE, clock);
        ScriptedHearthNode node = coordinator.node(1, false);
        node.useClock(clock);
        node.answerWithLogs("the run's log text");
        String old = finishedAndPaid();
        assertThat(coordinator.call("GET", "/v1/jobs/" + old + "/logs", null).body()).contains("the run's log text");
        // its full log, as a streaming agent would have left it (the scripted node streams nothing)
        java.nio.file.Path fullLog = data.resolve("logs").resolve(old + "." + field(old, "epoch").asLong() + ".log");
        java.nio.file.Files.writeString(fullLog, "the run's log text, all of it\n");
        assertThat(coordinator.call("GET", "/v1/jobs/" + old + "/logs", null).body())
                .isEqualTo("the run's log text, all of it\n");
        assertThat(coordinator.call("GET", "/v1/jobs/" + old + "/receipt", null).statusCode()).isEqualTo(200);

        clock.advance(Duration.ofDays(2)); // the first node, silent for 2 days on this clock, is lost: another comes
        coordinator.node(1, false).answerWithLogs("the run's log text");
        String young = finishedAndPaid();
        AdversaryCoordinator.await("the old job pruned", () -> field(old, "pruned").asBoolean());

        assertThat(fullLog).as("the pruned job's full log").doesNotExist();
        JsonNode pruned = coordinator.job(old);
        assertThat(pruned.path("state").asText()).isEqualTo("completed");
        assertThat(pruned.path("payment").asText()).isEqualTo("released");
        assertThat(pruned.path("nodeId").asText()).isEqualTo(node.nodeId());
        assertThat(pruned.has("result")).as("result of the pruned job").isFalse();
        assertThat(pruned.has("verdict")).as("verdict of the pruned job").isFalse();
        for (String part : new String[] {"logs", "receipt"}) {
            HttpResponse<String> gone = coordinator.call("GET", "/v1/jobs/" + old + "/" + part, null);
            assertThat(gone.statusCode()).as(part + " of the pruned job: " + gone.body()).isEqualTo(410);
            assertThat(gone.body()).contains("pruned").contains("--retain-finished");
        }
        JsonNode kept = coordinator.job(young);
        assertThat(kept.has("pruned")).as("young job pruned").isFalse();
        assertThat(kept.at("/verdict/outcome").asText()).isEqualTo("passed");
        assertThat(coordinator.call("GET", "/v1/jobs/" + young + "/logs", null).body()).contains("the run's log text");
        AdversaryChecks.after(coordinator, Set.of());
    }

    private String finishedAndPaid() throws Exception {
        String id = coordinator.submit("ok", "10s", 0);
        coordinator.awaitJob(id, "completed");
        AdversaryCoordinator.await("job " + id + " paid", () -> field(id, "payment").asText().equals("released"));
        return id;
    }

    private JsonNode field(String id, String name) {
        try {
            return coordinator.job(id).path(name);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
