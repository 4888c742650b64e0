// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hearth.coordinator.store.JobPage;
import dev.hearth.coordinator.store.JobRecord;
import dev.hearth.coordinator.store.JobState;
import dev.hearth.coordinator.store.LedgerTransfer;
import dev.hearth.coordinator.store.NodeRecord;
import dev.hearth.coordinator.store.NodeState;
import dev.hearth.coordinator.store.Role;
import dev.hearth.coordinator.store.Store;
import dev.hearth.coordinator.store.TransferKind;
import dev.hearth.coordinator.store.VerdictOutcome;
import dev.hearth.core.json.Json;
import dev.hearth.core.units.Credits;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * {@code GET /v1/overview}: the dashboard's first page in one read. Over the last hour ({@link #WINDOW}, in
 * {@link #BUCKETS} buckets): jobs submitted and finished per bucket and their latency (submission to final state,
 * median and 95th percentile), the oracle's verdicts, and the money the ledger moved by kind; and now: jobs by state
 * and, for admins and operators, nodes by state. A client's overview counts its own jobs and its own account only; an
 * admin's or operator's the whole network. At most {@link #MOST_JOBS} of the window's newest jobs are read (the
 * answer's {@code sampled} says how many were). Thread-safe.
 */
public final class OverviewApi implements HttpService {

    /** The span the charts cover. */
    public static final Duration WINDOW = Duration.ofHours(1);
    /** Buckets in the window. */
    public static final int BUCKETS = 12;
    /** The most jobs of the window read for one answer. */
    public static final int MOST_JOBS = 2000;

    private final Store store;
    private final InstantSource clock;

    /** The overview of the store's state, as of {@code clock}. */
    public OverviewApi(Store store, InstantSource clock) {
        this.store = store;
        this.clock = clock;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::overview);
    }

    private void overview(ServerRequest req, ServerResponse res) {
        Principal caller = Principal.of(req);
        boolean client = caller.role() == Role.CLIENT;
        Instant now = clock.instant();
        Instant from = now.minus(WINDOW);
        ObjectNode out = Json.mapper().createObjectNode();
        out.put("scope", client ? "client" : "network").put("generatedAt", now.toString())
                .put("window", WINDOW.toString());
        if (!client) {
            Map<NodeState, Integer> nodes = new EnumMap<>(NodeState.class);
            for (NodeState s : NodeState.values()) {
                nodes.put(s, 0);
            }
            for (NodeRecord n : store.nodes()) {
                nodes.merge(n.state(), 1, Integer::sum);
            }
            ObjectNode v = out.putObject("nodes");
            nodes.forEach((s, n) -> v.put(s.name().toLowerCase(Locale.ROOT), n));
        }
        ObjectNode states = out.putObject("jobs");
        Map<JobState, Long> counts = client ? ownCounts(caller.account()) : store.jobCounts();
        for (JobState s : JobState.values()) {
            states.put(s.name().toLowerCase(Locale.ROOT), counts.getOrDefault(s, 0L));
        }
        List<JobRecord> recent = recent(client ? Optional.of(caller.account()) : Optional.empty(), from);
        out.put("sampled", recent.size());
        charts(out, recent, from, now);
        money(out, client ? Optional.of(caller.account()) : Optional.empty(), from);
        JsonResponses.send(res, 200, out);
    }

    private Map<JobState, Long> ownCounts(String account) {
        Map<JobState, Long> counts = new EnumMap<>(JobState.class);
        for (JobRecord j : store.jobsOwnedBy(account, java.util.EnumSet.allOf(JobState.class))) {
            counts.merge(j.state(), 1L, Long::sum);
        }
        return counts;
    }

    /** The window's jobs, newest first, at most {@link #MOST_JOBS}. */
    private List<JobRecord> recent(Optional<String> account, Instant from) {
        List<JobRecord> jobs = new ArrayList<>();
        Optional<JobPage.Cursor> after = Optional.empty();
        while (jobs.size() < MOST_JOBS) {
            int limit = Math.min(JobPage.MAX_LIMIT, MOST_JOBS - jobs.size());
            JobPage page = account.isPresent() ? store.jobPageOf(account.get(), Optional.empty(), after, limit)
                    : store.jobPage(Optional.empty(), after, limit);
            for (JobRecord j : page.jobs()) {
                if (j.submittedAt().isBefore(from)) {
                    return jobs;
                }
                jobs.add(j);
            }
            if (page.next().isEmpty() || page.jobs().isEmpty()) {
                return jobs;
            }
            JobRecord last = page.jobs().getLast();
            after = Optional.of(new JobPage.Cursor(last.submittedAt(), last.id()));
        }
        return jobs;
    }

    private void charts(ObjectNode out, List<JobRecord> jobs, Instant from, Instant now) {
        long width = WINDOW.toMillis() / BUCKETS;
        List<List<Long>> latencies = new ArrayList<>();
        ArrayNode buckets = out.putArray("buckets");
        for (int i = 0; i < BUCKETS; i++) {
            latencies.add(new ArrayList<>());
            buckets.addObject().put("start", from.plusMillis(i * width).toString()).put("submitted", 0)
                    .put("finished", 0).put("failed", 0);
        }
        Map<VerdictOutcome, Integer> verdicts = new EnumMap<>(VerdictOutcome.class);
        for (VerdictOutcome o : VerdictOutcome.values()) {
            verdicts.put(o, 0);
        }
        for (JobRecord j : jobs) {
            ObjectNode b = (ObjectNode) buckets.get(bucket(j.submittedAt(), from, width));
            b.put("submitted", b.get("submitted").asInt() + 1);
            if (j.state().isFinal() && !j.updatedAt().isBefore(from)) {
                int at = bucket(j.updatedAt(), from, width);
                ObjectNode f = (ObjectNode) buckets.get(at);
                f.put("finished", f.get("finished").asInt() + 1);
                if (j.state() != JobState.COMPLETED) {
                    f.put("failed", f.get("failed").asInt() + 1);
                }
                latencies.get(at).add(Duration.between(j.submittedAt(), j.updatedAt()).toMillis());
            }
            store.verdict(j.id()).ifPresent(d -> verdicts.merge(d.outcome(), 1, Integer::sum));
        }
        for (int i = 0; i < BUCKETS; i++) {
            List<Long> l = latencies.get(i);
            l.sort(null);
            ObjectNode b = (ObjectNode) buckets.get(i);
            if (!l.isEmpty()) {
                b.put("p50Millis", l.get((l.size() - 1) / 2)).put("p95Millis", l.get((int) Math.ceil(l.size() * 0.95) - 1));
            }
        }
        ObjectNode v = out.putObject("verdicts");
        verdicts.forEach((o, n) -> v.put(o.name().toLowerCase(Locale.ROOT), n));
    }

    private static int bucket(Instant at, Instant from, long width) {
        return (int) Math.clamp(Duration.between(from, at).toMillis() / width, 0, BUCKETS - 1);
    }

    private void money(ObjectNode out, Optional<String> account, Instant from) {
        Map<TransferKind, Long> byKind = new EnumMap<>(TransferKind.class);
        long moved = 0;
        for (LedgerTransfer t : store.ledger().transfers(account, Optional.of(from), 100_000)) {
            byKind.merge(t.kind(), t.amountMicros(), Long::sum);
            moved = Math.addExact(moved, t.amountMicros());
        }
        ObjectNode m = out.putObject("money").put("moved", Credits.format(moved));
        ObjectNode k = m.putObject("byKind");
        byKind.forEach((kind, n) -> k.put(kind.name().toLowerCase(Locale.ROOT), Credits.format(n)));
    }
}
