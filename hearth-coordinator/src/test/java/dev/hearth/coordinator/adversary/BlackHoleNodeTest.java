// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.adversary;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.coordinator.CoordinatorConfig;
import dev.hearth.coordinator.ScriptedHearthNode;
import dev.hearth.coordinator.oracle.OracleSettings;
import dev.hearth.coordinator.scheduler.LeasePolicy;
import dev.hearth.coordinator.store.NodeLimits;
import dev.hearth.coordinator.store.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A greedy black-hole node declares 100000 slots, takes every job it is offered and never answers. Its declared
 * capacity is clamped to the admin's per-node limit, its leases expire at the job's timeout plus the grace (on the
 * coordinator's injected clock, moved by hand), the jobs are taken back with the attempt counted and finish on an
 * honest node (or fail, out of attempts, refunded), and after its third expiry it is cordoned until an admin lifts it.
 */
@DisplayName("Black-hole nodes: declared capacity is clamped, leases expire, the jobs finish elsewhere, the node is cordoned")
class BlackHoleNodeTest extends AdversaryScenario {

    private static final Duration GRACE = Duration.ofSeconds(2);

    @Test
    @DisplayName("a node declaring 100000 slots gets 3 (the limit); its expired leases go to an honest node; it is "
            + "cordoned, visibly, until uncordoned")
    void greedyBlackHole() throws Exception {
        MutableClock clock = new MutableClock(Instant.now());
        CoordinatorConfig config = AdversaryCoordinator.config(data)
                .withLeases(new LeasePolicy(GRACE, NodeLimits.NONE.withSlots(3), Map.of(), 3));
        coordinator = AdversaryCoordinator.start(config, AdversaryCoordinator.MOVED_CLOCK_ORACLE, clock);
        ScriptedHearthNode greedy = coordinator.node(100_000, true);
        // a millisecond apart on the frozen clock, so the queue's order (oldest first) is the order submitted
        String lastChance = coordinator.submit("ok", "5s", 0);
        clock.advance(Duration.ofMillis(1));
        String retriedFirst = coordinator.submit("ok", "5s", 1);
        clock.advance(Duration.ofMillis(1));
        List<String> retried = List.of(retriedFirst, coordinator.submit("ok", "5s", 1));
        clock.advance(Duration.ofMillis(1));
        String fourth = coordinator.submit("ok", "5s", 1);
        AdversaryCoordinator.await("the greedy node holds 3 jobs", () -> greedy.held().size() == 3);
        Thread.sleep(300); // several scheduler passes: the clamp holds, the fourth job waits
        assertThat(greedy.held()).as("jobs held by the node declaring 100000 slots").hasSize(3)
                .containsKeys(lastChance, retried.get(0), retried.get(1));
        assertThat(coordinator.job(fourth).path("state").asText()).isEqualTo("queued");

        ScriptedHearthNode honest = coordinator.node(1, false);
        coordinator.awaitJob(fourth, "completed");
        clock.advance(Duration.ofSeconds(5).plus(GRACE).plusMillis(1));

        AdversaryCoordinator.await("the greedy node was told to drop its jobs", () -> greedy.held().isEmpty());
        JsonNode failed = coordinator.awaitJob(lastChance, "failed");
        assertThat(failed.path("reason").asText()).contains("expired").contains("no attempts left");
        for (String id : retried) {
            JsonNode done = coordinator.awaitJob(id, "completed");
            assertThat(done.path("nodeId").asText()).isEqualTo(honest.nodeId());
            assertThat(done.path("attempts").asInt()).as("the expired attempt counted").isEqualTo(2);
        }
        JsonNode node = coordinator.api("GET", "/v1/nodes/" + greedy.nodeId(), null);
        assertThat(node.path("cordoned").asBoolean()).as(node.toString()).isTrue();
        assertThat(node.path("cordonReason").asText()).contains("3 leases expired");
        assertThat(node.path("leaseExpiries").asInt()).isEqualTo(3);
        assertThat(node.at("/standing/lost").asInt()).as("expiries count against its reputation").isEqualTo(3);
        assertThat(node.path("reputation").asDouble()).isLessThan(0.5);
        JsonNode listed = coordinator.api("GET", "/v1/nodes", null).get("nodes");
        assertThat(listed).filteredOn(n -> n.get("id").asText().equals(greedy.nodeId()))
                .singleElement().satisfies(n -> assertThat(n.get("cordoned").asBoolean()).isTrue());

        AdversaryChecks.after(coordinator, Set.of(greedy.nodeId()));

        coordinator.api("POST", "/v1/nodes/" + greedy.nodeId() + "/uncordon", null);
        JsonNode lifted = coordinator.api("GET", "/v1/nodes/" + greedy.nodeId(), null);
        assertThat(lifted.path("cordoned").asBoolean()).isFalse();
        assertThat(lifted.path("leaseExpiries").asInt()).as("expiries before the uncordon no longer count").isZero();
    }

    @Test
    @DisplayName("limits an admin sets on one node through the API clamp what it declares, over the flags")
    void limitsSetThroughTheApi() throws Exception {
        coordinator = AdversaryCoordinator.start(AdversaryCoordinator.config(data)
                .withLeases(new LeasePolicy(GRACE, NodeLimits.NONE.withSlots(3), Map.of(), 3)), OracleSettings.DEFAULTS);
        ScriptedHearthNode greedy = coordinator.node(100_000, true);
        assertThat(coordinator.api("PUT", "/v1/nodes/" + greedy.nodeId() + "/limits", "{\"slots\":1}")
                .at("/limits/slots").asInt()).isEqualTo(1);
        String first = coordinator.submit("ok", "5s", 0);
        String second = coordinator.submit("ok", "5s", 0);

        AdversaryCoordinator.await("the greedy node holds a job", () -> greedy.held().size() == 1);
        Thread.sleep(300); // several scheduler passes
        assertThat(greedy.held()).containsOnlyKeys(first);
        assertThat(coordinator.job(second).path("state").asText()).isEqualTo("queued");
        coordinator.api("POST", "/v1/jobs/" + first + "/cancel", null);
        coordinator.api("POST", "/v1/jobs/" + second + "/cancel", null);
        coordinator.api("PUT", "/v1/nodes/" + greedy.nodeId() + "/limits", "{\"slots\":0}");
        AdversaryChecks.after(coordinator, Set.of(greedy.nodeId()));
    }

    @Test
    @DisplayName("a node whose engine hangs looks the same: its lease expires, it is told to drop the job, and the job "
            + "out of attempts fails and is refunded")
    void hungEngine() throws Exception {
        MutableClock clock = new MutableClock(Instant.now());
        coordinator = AdversaryCoordinator.start(AdversaryCoordinator.config(data)
                .withLeases(new LeasePolicy(GRACE, NodeLimits.DEFAULT, Map.of(), 3)), OracleSettings.DEFAULTS, clock);
        ScriptedHearthNode hung = coordinator.node(1, false);
        String id = coordinator.submit("hang", "5s", 0);
        AdversaryCoordinator.await("the node runs the job", () -> hung.held().containsKey(id));

        clock.advance(Duration.ofSeconds(5).plus(GRACE).plusMillis(1));

        JsonNode failed = coordinator.awaitJob(id, "failed");
        assertThat(failed.path("reason").asText()).contains("expired").contains(hung.nodeId());
        AdversaryCoordinator.await("the node was told to drop the job", () -> hung.held().isEmpty());
        JsonNode node = coordinator.api("GET", "/v1/nodes/" + hung.nodeId(), null);
        assertThat(node.path("leaseExpiries").asInt()).isEqualTo(1);
        assertThat(node.path("cordoned").asBoolean()).as("one expiry, under the limit of 3").isFalse();
        AdversaryChecks.after(coordinator, Set.of());
    }
}
