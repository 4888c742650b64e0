// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.core.job.JobResult;
import dev.hearth.core.json.Json;
import dev.hearth.core.job.JobStatus;
import dev.hearth.core.protocol.AgentMessage;
import dev.hearth.core.protocol.InstanceReport;
import dev.hearth.core.protocol.InstanceResult;
import dev.hearth.core.protocol.JobOffer;
import dev.hearth.core.protocol.JobWire;
import dev.hearth.core.protocol.Protocol;
import dev.hearth.core.protocol.ProtocolException;
import dev.hearth.core.receipt.NodeKeys;
import dev.hearth.core.receipt.Receipt;
import dev.hearth.core.receipt.ResourceUsage;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A Hearth-protocol node scripted over a real WebSocket ({@link ScriptedAgent}): registers with its key and the
 * leases it holds, heartbeats, and answers each job as its command says ({@code ok}, {@code fail}, {@code timeout};
 * {@code hang} holds the job until it is cancelled). Like the real agent it keeps each result until it is acked and
 * sends it again after the next registration. A "black hole" holds every job and answers none. Its instances are
 * Docker ones: it does every instance action but pause and resume, which it refuses as a real agent's runtime
 * would. Thread-safe.
 */
public final class ScriptedHearthNode implements AutoCloseable {

    private final String token;
    private final KeyPair key = newKey();
    private final int slots;
    private final Map<String, Long> held = new ConcurrentHashMap<>();
    private final Map<String, String> unacked = new ConcurrentHashMap<>();
    private final Map<String, String> refusals = new ConcurrentHashMap<>();
    private final Map<String, JsonNode> offers = new ConcurrentHashMap<>();
    private volatile boolean blackHole;
    private volatile String logs;
    private volatile String instanceLog = "";
    private volatile InstantSource clock = InstantSource.system();
    private volatile ScriptedAgent link;
    private volatile String nodeId;
    private volatile boolean heartbeating;
    private Thread reader;
    private Thread heart;

    public ScriptedHearthNode(String token, int slots, boolean blackHole) {
        this.token = token;
        this.slots = slots;
        this.blackHole = blackHole;
    }

    /** Times its runs (and so its receipts) by {@code source} instead of the system clock, like a node's skewed clock. */
    public void useClock(InstantSource source) {
        this.clock = source;
    }

    /** Connects to the coordinator on {@code port}, registers and waits until it is registered. */
    public void connect(int port) throws Exception {
        ScriptedAgent agent = new ScriptedAgent(port);
        String nonce = agent.expect("hello").get("nonce").asText();
        agent.send(register(nonce));
        nodeId = agent.expect("registered").get("nodeId").asText();
        link = agent;
        heartbeating = true;
        reader = Thread.ofVirtual().start(() -> read(agent));
        heart = Thread.ofVirtual().start(() -> beat(agent));
        for (String result : List.copyOf(unacked.values())) {
            send(agent, result); // what the last connection never saw acked, as the agent's outbox does
        }
    }

    /** Drops the connection abruptly (as a crash or a cut cable would) and stops its threads. */
    public void disconnect() throws InterruptedException {
        heartbeating = false;
        ScriptedAgent agent = link;
        if (agent != null) {
            agent.close();
        }
        link = null;
        if (reader != null) {
            reader.join(5000);
            heart.join(5000);
        }
    }

    /** Stops heartbeating while staying connected: the coordinator will find the node lost. */
    public void fallSilent() {
        heartbeating = false;
    }

    /** From now on every result it sends has these logs (copies of a k-of-n job agree on them, or not). */
    public void answerWithLogs(String text) {
        logs = text;
    }

    /** From now on answers a read of any instance's log ({@code instance_action} {@code logs}) with {@code text}. */
    public void answerInstanceLogsWith(String text) {
        instanceLog = text;
    }

    /** From now on answers jobs like an honest node. */
    public void turnHonest() {
        blackHole = false;
    }

    public String nodeId() {
        return nodeId;
    }

    /** Jobs it holds now, with their epochs. */
    public Map<String, Long> held() {
        return Map.copyOf(held);
    }

    /** Results refused by the coordinator, by job id, with the refusal code. */
    public Map<String, String> refusals() {
        return Map.copyOf(refusals);
    }

    /** Sends a result for a job under an epoch, whether or not it still holds that lease (a late result). */
    public void sendResult(String jobId, long epoch, String status) {
        answer(link, jobId, epoch, status);
    }

    private void read(ScriptedAgent agent) {
        try {
            while (link == agent && !agent.isClosed()) {
                JsonNode m = agent.next(100);
                if (m != null) {
                    dispatch(agent, m);
                }
            }
        } catch (Exception e) {
            // the connection went away under the reader: the next connect starts a new one
        }
    }

    private void dispatch(ScriptedAgent agent, JsonNode m) {
        String id = m.path("id").asText(m.path("jobId").asText());
        switch (m.path("type").asText()) {
            case "job" -> {
                long epoch = m.path("epoch").asLong();
                held.put(id, epoch);
                offers.put(id, m);
                send(agent, "{\"type\":\"job_started\",\"jobId\":\"" + id + "\",\"epoch\":" + epoch + "}");
                String outcome = m.at("/spec/command/0").asText();
                if (!blackHole && !outcome.equals("hang")) {
                    answer(agent, id, epoch, switch (outcome) {
                        case "fail" -> "failed";
                        case "timeout" -> "timeout";
                        default -> "completed";
                    });
                }
            }
            case "job_cancel" -> {
                held.remove(id);
                if (m.hasNonNull("epoch")) {
                    unacked.remove(id + "@" + m.get("epoch").asLong());
                }
            }
            case "result_ack" -> {
                unacked.remove(id + "@" + m.path("epoch").asLong());
                held.remove(id);
                if (!m.path("accepted").asBoolean()) {
                    refusals.put(id, m.path("code").asText());
                }
            }
            case "instance_create" -> instanceDone(agent, m.path("requestId").asText(),
                    m.at("/instance/id").asText(), "running");
            case "instance_action" -> {
                if (m.path("action").asText().equals("logs")) {
                    sendResult(agent, InstanceResult.log(m.path("requestId").asText(), m.path("instanceId").asText(),
                            instanceLog));
                    return;
                }
                String request = m.path("requestId").asText();
                String instance = m.path("instanceId").asText();
                switch (m.path("action").asText()) {
                    // its instances are docker ones: a real agent's runtime refuses both, saying why
                    case "pause" -> sendResult(agent, InstanceResult.failed(request, instance, "failed", null,
                            "cannot pause instance '" + instance + "': the docker runtime cannot pause instance "
                                    + instance + " to disk; pausing is for instances on the qemu runtime"));
                    case "resume" -> sendResult(agent, InstanceResult.failed(request, instance, "failed", null,
                            "instance '" + instance + "' is not paused (it is running)"));
                    case "stop" -> instanceDone(agent, request, instance, "stopped");
                    case "destroy" -> instanceDone(agent, request, instance, null);
                    default -> instanceDone(agent, request, instance, "running");
                }
            }
            default -> { }
        }
    }

    /** Reports {@code ids} as the node's instances, as if made on the node itself. */
    public void reportInstances(String... ids) {
        StringBuilder list = new StringBuilder();
        for (String id : ids) {
            list.append(list.isEmpty() ? "" : ",").append("{\"id\":\"").append(id).append("\",\"runtime\":\"docker\","
                    + "\"desired\":\"running\",\"state\":\"running\",\"health\":\"ok\",\"hostPort\":0,\"restarts\":0}");
        }
        send(link, "{\"type\":\"instances\",\"nodeId\":\"" + nodeId + "\",\"instances\":[" + list + "]}");
    }

    /**
     * Answers an instance command as done, the instance now in {@code state} (null: it is gone); a command on an
     * instance whose id starts with {@code fail-} fails, as a node that could not make it.
     */
    private void instanceDone(ScriptedAgent agent, String requestId, String instanceId, String state) {
        InstanceReport report = state == null ? null : new InstanceReport(instanceId, "docker", state, state, "ok",
                null, 0, null, 0, null, Instant.now().toString());
        InstanceResult result = instanceId.startsWith("fail-")
                ? InstanceResult.failed(requestId, instanceId, "failed", null, "no engine; everything was removed")
                : InstanceResult.done(requestId, instanceId, report);
        sendResult(agent, result);
    }

    private void sendResult(ScriptedAgent agent, InstanceResult result) {
        try {
            send(agent, Json.mapper().writerFor(AgentMessage.class).writeValueAsString(result));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("an instance result did not serialise", e);
        }
    }

    private void answer(ScriptedAgent agent, String id, long epoch, String status) {
        JobStatus outcome = switch (status) {
            case "completed" -> JobStatus.COMPLETED;
            case "timeout" -> JobStatus.TIMEOUT;
            default -> JobStatus.FAILED;
        };
        long exit = switch (outcome) {
            case COMPLETED -> 0;
            case TIMEOUT -> 124;
            default -> 1;
        };
        String logs = this.logs != null ? this.logs : status + " " + id + "\n";
        try {
            // signed like a real agent's result, so the oracle judges the run itself, not a missing receipt
            JobOffer offer = ResultFrames.offer(offers.get(id));
            Instant end = clock.instant();
            JobResult r = JobResult.of(id, outcome, exit, offer.spec().image(), end.minusMillis(1500), end, logs,
                    logs.length(), false, null);
            Receipt receipt = JobWire.receipt(r, nodeId, epoch, offer.spec(), NodeKeys.fingerprint(key.getPublic()),
                    "sha256:" + "ab".repeat(32), ResourceUsage.UNKNOWN, List.of());
            String frame = ResultFrames.frame(JobWire.resultMessage(r, nodeId, epoch)
                    .withReceipt(receipt, ResultFrames.sign(receipt, key)));
            unacked.put(id + "@" + epoch, frame);
            send(agent, frame);
        } catch (ProtocolException e) {
            throw new IllegalStateException("the offer of job " + id + " did not decode", e);
        }
    }

    private void beat(ScriptedAgent agent) {
        try {
            while (link == agent && !agent.isClosed()) {
                if (heartbeating) {
                    send(agent, "{\"type\":\"heartbeat\",\"nodeId\":\"" + nodeId
                            + "\",\"timestamp\":\"2026-11-23T09:00:00Z\",\"state\":\"online\"}");
                }
                TimeUnit.MILLISECONDS.sleep(250);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One send at a time: the JDK's WebSocket allows one outstanding send. A failed send is left to the outbox. */
    private synchronized void send(ScriptedAgent agent, String frame) {
        if (agent == null) {
            return;
        }
        try {
            agent.send(frame);
        } catch (Exception e) {
            // the connection is gone; unacked results go again after the next registration
        }
    }

    private String register(String nonce) throws Exception {
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(key.getPrivate());
        s.update(Protocol.registrationChallenge(nonce));
        StringBuilder heldJson = new StringBuilder("[");
        held.forEach((job, epoch) -> heldJson.append(heldJson.length() > 1 ? "," : "")
                .append("{\"jobId\":\"").append(job).append("\",\"epoch\":").append(epoch).append('}'));
        heldJson.append(']');
        return "{\"type\":\"register\",\"token\":\"" + token + "\",\"protocol\":\"hearth/1\",\"nodeKey\":\""
                + Base64.getEncoder().encodeToString(key.getPublic().getEncoded()) + "\",\"signature\":\""
                + Base64.getEncoder().encodeToString(s.sign()) + "\",\"hostInfo\":{\"hostname\":\"scripted\","
                + "\"cpus\":8,\"memory_bytes\":17179869184,\"runtimes\":[\"docker\"]},\"capacity\":{\"slots\":" + slots
                + ",\"cpus\":8.0,\"memory_bytes\":17179869184,\"gpus\":[]},\"held\":" + heldJson + "}";
    }

    private static KeyPair newKey() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        disconnect();
    }
}
