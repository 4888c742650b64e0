// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.core.json.Json;
import dev.hearth.sandbox.DockerFixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("e2e")
@DisplayName("A job's logs on a real coordinator and agent: JSON lines, one trace id from submit to verdict, no secret")
class JobLogsE2eTest {

    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String SECRET = "s3cret-Value-7Qx9-never-logged";

    @TempDir
    Path root;

    @Test
    @DisplayName("every line of both processes is one JSON object; the job's lines on both share the client's trace "
            + "id and carry job, node and epoch as fields; the secret, node token and admin token appear in none")
    void traceAndSecrets() throws Exception {
        DockerFixture.driver();
        List<JsonNode> coordinatorLines;
        List<JsonNode> agentLines;
        String id;
        String nodeToken;
        String admin;
        try (Cluster c = new Cluster(root).productionLogs("job-logs")) {
            c.startCoordinator();
            Cluster.Agent agent = c.startAgent("a", c.port());
            nodeToken = agent.token;
            admin = c.admin();
            c.awaitNodes("node online", n -> n.stream().anyMatch(x -> "online".equals(x.path("state").asText())));
            var doc = Json.mapper().createObjectNode().put("cpus", "0.25").put("memory", "64m");
            doc.set("command", Json.mapper().valueToTree(List.of("sh", "-c", "test -n \"$API_KEY\" && echo ok")));
            doc.set("secrets", Json.mapper().valueToTree(Map.of("API_KEY", SECRET)));
            HttpResponse<String> submitted = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(c.base() + "/v1/jobs")).header("Authorization", "Bearer " + admin)
                    .header("Content-Type", "application/json")
                    .header("traceparent", "00-" + TRACE + "-00f067aa0ba902b7-01")
                    .POST(HttpRequest.BodyPublishers.ofString(doc.toString())).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(201);
            assertThat(submitted.headers().firstValue("traceparent")).get().asString().startsWith("00-" + TRACE + "-");
            id = Json.mapper().readTree(submitted.body()).get("id").asText();
            Cluster.await("job completed and verified", Duration.ofSeconds(90), () -> {
                JsonNode j = c.job(id);
                return "completed".equals(j.path("state").asText()) && j.path("verdict").path("outcome").isTextual();
            });
            // the result's ack and the settlement are logged after the verdict: give them a moment
            Thread.sleep(1500);
        }
        coordinatorLines = lines(Path.of("target", "e2e-logs", "job-logs-coordinator.log"));
        agentLines = lines(Path.of("target", "e2e-logs", "job-logs-agent-a.log"));

        for (Path log : List.of(Path.of("target", "e2e-logs", "job-logs-coordinator.log"),
                Path.of("target", "e2e-logs", "job-logs-agent-a.log"))) {
            String text = Files.readString(log);
            assertThat(text).as("%s holds the job's secret", log).doesNotContain(SECRET);
            assertThat(text).as("%s holds the node token", log).doesNotContain(nodeToken);
            assertThat(text).as("%s holds the admin token", log).doesNotContain(admin);
        }
        List<String> coordinatorStory = story(coordinatorLines, id);
        assertThat(coordinatorStory).as("the coordinator's lines of trace %s", TRACE)
                .anyMatch(m -> m.startsWith("job submitted"))
                .anyMatch(m -> m.contains("leased to node"))
                .anyMatch(m -> m.startsWith("accepted result"))
                .anyMatch(m -> m.startsWith("verdict on job"));
        List<String> agentStory = story(agentLines, id);
        assertThat(agentStory).as("the agent's lines of trace %s", TRACE)
                .anyMatch(m -> m.contains("accepted (epoch"))
                .anyMatch(m -> m.contains("finished: completed"));
        JsonNode leased = coordinatorLines.stream().filter(l -> l.path("msg").asText().contains("leased to node")
                && TRACE.equals(l.path("trace").asText())).findFirst().orElseThrow();
        assertThat(leased.path("job").asText()).isEqualTo(id);
        assertThat(leased.path("node").asText()).isNotBlank();
        assertThat(leased.path("epoch").asText()).isEqualTo("1");
        assertThat(coordinatorLines.stream().filter(l -> l.path("msg").asText().startsWith("job submitted"))
                .findFirst().orElseThrow().path("client").asText()).isNotBlank();
        String node = leased.path("node").asText();
        fieldsOfEveryMention(coordinatorLines, id, node);
        fieldsOfEveryMention(agentLines, id, node);
    }

    private static final java.util.regex.Pattern EPOCH = java.util.regex.Pattern.compile("epoch (\\d+)");

    /**
     * Every line whose message names the job carries it as the {@code job} field (and the epoch it names as
     * {@code epoch}); every line whose message names the node carries it as {@code node}: ids are fields, not only
     * words in the text.
     */
    private static void fieldsOfEveryMention(List<JsonNode> lines, String jobId, String nodeId) {
        int mentions = 0;
        for (JsonNode l : lines) {
            String msg = l.path("msg").asText();
            if (msg.contains(jobId)) {
                mentions++;
                assertThat(l.path("job").asText()).as("job field of %s", l).isEqualTo(jobId);
                var epoch = EPOCH.matcher(msg);
                if (epoch.find()) {
                    assertThat(l.path("epoch").asText()).as("epoch field of %s", l).isEqualTo(epoch.group(1));
                }
            }
            if (msg.contains(nodeId)) {
                mentions++;
                assertThat(l.path("node").asText()).as("node field of %s", l).isEqualTo(nodeId);
            }
        }
        assertThat(mentions).as("lines naming the job or the node").isPositive();
    }

    /** Helidon's own notice on stdout at start, not a log event (it logs through slf4j after that). */
    private static final String HELIDON_NOTICE = "There is no Helidon logging implementation on classpath, skipping "
            + "log configuration.";

    /**
     * Every log line of a process's output, each of which must be one JSON object (no continuation lines, no stack
     * traces); the output also holds the command's own {@code hearth: ...} lines to its user, which are not log
     * events.
     */
    private static List<JsonNode> lines(Path file) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank() || line.startsWith("hearth: ") || line.equals(HELIDON_NOTICE)) {
                continue;
            }
            JsonNode j;
            try {
                j = Json.mapper().readTree(line);
            } catch (Exception e) {
                throw new AssertionError(file + " has a line that is not one JSON object: " + line, e);
            }
            assertThat(j.isObject()).as("%s: %s", file, line).isTrue();
            assertThat(j.has("ts") && j.has("level") && j.has("msg")).as("%s: %s", file, line).isTrue();
            out.add(j);
        }
        assertThat(out).as("lines in %s", file).isNotEmpty();
        return out;
    }

    /** The messages of the lines under the test's trace id, each of which must name the job as a field. */
    private static List<String> story(List<JsonNode> lines, String jobId) {
        List<String> out = new ArrayList<>();
        for (JsonNode l : lines) {
            if (TRACE.equals(l.path("trace").asText())) {
                assertThat(l.path("job").asText()).as("job field of %s", l).isEqualTo(jobId);
                out.add(l.path("msg").asText());
            }
        }
        return out;
    }
}
