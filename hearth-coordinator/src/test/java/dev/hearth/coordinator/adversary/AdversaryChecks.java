// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.adversary;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.coordinator.ScriptedHearthNode;
import dev.hearth.core.json.Json;
import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The checks every adversary scenario ends with, over the coordinator's own API: an honest node still gets a job and
 * finishes it (and is paid for it); every job is final and every priced hold settled exactly once (released to the
 * node whose result passed, or refunded), escrow is empty and the accounts sum to zero; no hostile node was paid; and
 * the coordinator's used heap stays bounded. Stateless.
 */
final class AdversaryChecks {

    /** Used heap, after a full collection, that the coordinator (and the test JVM it shares) stays under. */
    static final long HEAP_BOUND_BYTES = 512L << 20;

    private AdversaryChecks() {
    }

    /** Runs every check; {@code hostile} are the node ids that must never have been paid. */
    static void after(AdversaryCoordinator c, Set<String> hostile) throws Exception {
        honestNodeIsServed(c, hostile);
        holdsSettledOnce(c, hostile);
        heapBounded();
    }

    /** With a new honest node connected, a fresh job goes to an honest node (never a hostile one) and is paid once. */
    static void honestNodeIsServed(AdversaryCoordinator c, Set<String> hostile) throws Exception {
        ScriptedHearthNode honest = c.node(1, false);
        String id = c.submit("ok", "10s", 0);
        JsonNode job = c.awaitJob(id, "completed");
        assertThat(job.path("nodeId").asText()).as("the node that ran it (the new honest one is %s)", honest.nodeId())
                .isNotIn(hostile);
        AdversaryCoordinator.await("the honest job's hold is settled",
                () -> paymentOf(c, id).equals("released"));
    }

    /**
     * Every job is final, each priced hold settled by exactly one release or refund, a release only to the node whose
     * result passed (never to a {@code hostile} one), escrow empty, no balance negative but the outside world's, and the
     * accounts summing to zero.
     */
    static void holdsSettledOnce(AdversaryCoordinator c, Set<String> hostile) throws Exception {
        Map<String, Integer> settlements = new HashMap<>();
        Map<String, String> paidTo = new HashMap<>();
        for (JsonNode t : Json.mapper().readTree(c.call("GET", "/v1/ledger/export?format=json", null).body())) {
            String kind = t.path("kind").asText();
            if (kind.equals("release") || kind.equals("refund")) {
                settlements.merge(t.path("job_id").asText(), 1, Integer::sum);
            }
            if (kind.equals("release")) {
                paidTo.put(t.path("job_id").asText(), t.path("node_id").asText());
            }
        }
        for (JsonNode j : c.api("GET", "/v1/jobs", null).get("jobs")) {
            String id = j.get("id").asText();
            JsonNode job = c.job(id);
            assertThat(job.path("state").asText()).as("job %s is final", id).isIn("completed", "failed", "cancelled");
            assertThat(job.path("payment").asText()).as("hold of job %s", id).isIn("released", "refunded");
            assertThat(settlements.getOrDefault(id, 0)).as("settlements of job %s", id).isEqualTo(1);
            if (paidTo.containsKey(id)) {
                assertThat(job.path("state").asText()).as("paid job %s", id).isEqualTo("completed");
                // a job pruned by retention has lost its verdict and result; the node it ran on stays
                boolean pruned = job.path("pruned").asBoolean();
                if (!pruned) {
                    assertThat(job.at("/verdict/outcome").asText()).as("paid job %s", id).isEqualTo("passed");
                }
                assertThat(paidTo.get(id)).as("paid node of job %s", id)
                        .isEqualTo(job.at(pruned ? "/nodeId" : "/result/nodeId").asText()).isNotIn(hostile);
            }
        }
        JsonNode accounts = c.api("GET", "/v1/ledger/accounts", null);
        assertThat(accounts.get("totalMicros").asLong()).as("sum of all accounts").isZero();
        for (JsonNode a : accounts.get("accounts")) {
            String id = a.get("id").asText();
            if (id.equals("escrow")) {
                assertThat(a.get("balanceMicros").asLong()).as("left in escrow").isZero();
            } else if (!id.equals("external")) {
                assertThat(a.get("balanceMicros").asLong()).as("balance of %s", id).isNotNegative();
            }
            for (String node : hostile) {
                if (id.equals("node:" + node)) {
                    assertThat(a.get("balanceMicros").asLong()).as("hostile node %s paid", node).isZero();
                }
            }
        }
    }

    /** The used heap after a full collection stays under {@link #HEAP_BOUND_BYTES}. */
    static void heapBounded() {
        System.gc();
        long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        assertThat(used).as("used heap after GC, bytes").isLessThan(HEAP_BOUND_BYTES);
    }

    private static String paymentOf(AdversaryCoordinator c, String id) {
        try {
            return c.job(id).path("payment").asText();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
