package dev.hearth.coordinator.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hearth.coordinator.hub.AgentHub;
import dev.hearth.coordinator.store.JobRecord;
import dev.hearth.coordinator.store.JobState;
import dev.hearth.coordinator.store.NodeRecord;
import dev.hearth.coordinator.store.Store;
import dev.hearth.core.InvalidInputException;
import dev.hearth.core.json.Json;
import dev.hearth.core.receipt.NodeKeys;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** {@code /v1/nodes}: the node registry with live state, GPUs, running jobs and heartbeat age. Thread-safe. */
public final class NodesApi implements HttpService {

    private final Store store;
    private final AgentHub hub;
    private final InstantSource clock;

    /** The nodes API. */
    public NodesApi(Store store, AgentHub hub, InstantSource clock) {
        this.store = store;
        this.hub = hub;
        this.clock = clock;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list);
    }

    private void list(ServerRequest req, ServerResponse res) {
        List<JobRecord> live = new ArrayList<>(store.jobs(Optional.of(JobState.LEASED)));
        live.addAll(store.jobs(Optional.of(JobState.RUNNING)));
        Map<String, Long> jobs = live.stream().filter(j -> j.nodeId() != null)
                .collect(Collectors.groupingBy(JobRecord::nodeId, Collectors.counting()));
        ObjectNode out = Json.mapper().createObjectNode();
        var nodes = out.putArray("nodes");
        for (NodeRecord n : store.nodes()) {
            ObjectNode v = nodes.addObject();
            v.put("id", n.id()).put("hostname", n.hostname()).put("state", n.state().name().toLowerCase(Locale.ROOT))
                    .put("connected", hub.session(n.id()).isPresent()).put("os", n.os()).put("arch", n.arch())
                    .put("cpus", n.cpus()).put("memoryBytes", n.memoryBytes()).put("agentVersion", n.agentVersion())
                    .put("protocol", n.protocolVersion()).put("jobs", jobs.getOrDefault(n.id(), 0L))
                    .put("registeredAt", n.registeredAt().toString());
            if (!n.publicKey().startsWith("legacy:")) {
                // what hearth verify --coordinator checks receipts against
                v.put("publicKey", n.publicKey());
                try {
                    v.put("keyFingerprint", NodeKeys.fingerprint(NodeKeys.parse("publicKey", n.publicKey())));
                } catch (InvalidInputException e) {
                    v.putNull("keyFingerprint");
                }
            }
            v.putPOJO("runtimes", n.runtimes());
            var gpus = v.putArray("gpus");
            n.gpus().forEach(g -> gpus.addObject().put("index", g.index()).put("model", g.model())
                    .put("vramTotalMib", g.vramTotalMib()).put("uuid", g.uuid()));
            if (n.lastHeartbeat() != null) {
                v.put("lastHeartbeat", n.lastHeartbeat().toString());
                v.put("lastHeartbeatAgeSeconds", Duration.between(n.lastHeartbeat(), clock.instant()).toSeconds());
            }
        }
        JsonResponses.send(res, 200, out);
    }

}
