// SPDX-License-Identifier: Apache-2.0
package dev.hearth.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.coordinator.CoordinatorServer;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The jobs API through HearthClient, against a real coordinator (no agent: jobs stay queued)")
class JobsTest {

    @TempDir
    Path dir;

    @Test
    @DisplayName("submitAll queues a batch in one call, in order; a bad document refuses all, naming jobs[i]")
    void submitAll() throws Exception {
        try (CoordinatorServer c = Coordinators.start(dir); HearthClient hearth = Coordinators.client(c, dir)) {
            List<Job> jobs = hearth.jobs().submitAll(List.of(JobDocument.builder().command("echo", "1").build(),
                    JobDocument.json("{\"command\":[\"echo\",\"2\"],\"priority\":3}")));
            assertThat(jobs).hasSize(2);
            assertThat(jobs.get(0).submitted().orElseThrow().state()).isEqualTo("queued");
            assertThat(jobs.get(1).status().json().get("priority").asInt()).isEqualTo(3);
            assertThatThrownBy(() -> hearth.jobs().submitAll(List.of(JobDocument.builder().command("true").build(),
                    JobDocument.builder().command("true").memory("lots").build())))
                    .isInstanceOfSatisfying(HearthApiException.class, e -> {
                        assertThat(e.status()).isEqualTo(400);
                        assertThat(e.field()).contains("jobs[1].memory");
                        assertThat(e.operation()).isEqualTo("POST /v1/jobs/batch");
                    });
            assertThatThrownBy(() -> hearth.jobs().submitAll(List.of(JobDocument.yaml("command: [true]\n"))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("docs[0] is application/yaml");
            assertThatThrownBy(() -> hearth.jobs().submitAll(List.of())).isInstanceOf(IllegalArgumentException.class);
            assertThat(hearth.jobs().all(null, 100)).hasSize(2);
        }
    }

    @Test
    @DisplayName("a submit whose answer is lost is tried again with the same Idempotency-Key and makes one job")
    void retriedSubmitMakesOneJob() throws Exception {
        try (CoordinatorServer c = Coordinators.start(dir); FlakyProxy proxy = new FlakyProxy(c.port());
                HearthClient hearth = HearthClient.builder().url(URI.create(proxy.url()))
                        .token(Coordinators.adminToken(dir)).build()) {
            Job job = hearth.jobs().submit(JobDocument.builder().command("true").build());
            assertThat(proxy.submits()).as("the post was sent twice").isEqualTo(2);
            assertThat(job.replayed()).as("the second answer replays the first").isTrue();
            List<JobInfo> all = hearth.jobs().all(null, 100);
            assertThat(all).extracting(JobInfo::id).containsExactly(job.id());
        }
    }

    @Test
    @DisplayName("without retries the lost answer reaches the caller as a transport error (the proxy does drop it)")
    void lostAnswerWithoutRetries() throws Exception {
        try (CoordinatorServer c = Coordinators.start(dir); FlakyProxy proxy = new FlakyProxy(c.port());
                HearthClient hearth = HearthClient.builder().url(URI.create(proxy.url()))
                        .token(Coordinators.adminToken(dir)).retries(RetryPolicy.NONE).build()) {
            assertThatThrownBy(() -> hearth.jobs().submit(JobDocument.builder().command("true").build()))
                    .isInstanceOf(IOException.class).isNotInstanceOf(HearthApiException.class);
        }
    }

    @Test
    @DisplayName("a refused document is a HearthApiException with the problem's status, code and field")
    void problemMapped() throws Exception {
        try (CoordinatorServer c = Coordinators.start(dir); HearthClient hearth = Coordinators.client(c, dir)) {
            assertThatThrownBy(() -> hearth.jobs().submit(JobDocument.builder().command("true").memory("lots")
                    .build())).isInstanceOfSatisfying(HearthApiException.class, e -> {
                        assertThat(e.status()).isEqualTo(400);
                        assertThat(e.code()).isEqualTo("invalid_input");
                        assertThat(e.field()).contains("memory");
                        assertThat(e.detail()).hasValueSatisfying(d -> assertThat(d).contains("lots"));
                        assertThat(e.operation()).isEqualTo("POST /v1/jobs");
                    });
            assertThatThrownBy(() -> hearth.jobs().job("no-such-job").status())
                    .isInstanceOfSatisfying(HearthApiException.class, e -> {
                        assertThat(e.status()).isEqualTo(404);
                        assertThat(e.code()).isEqualTo("unknown_job");
                    });
        }
    }

    @Test
    @DisplayName("status, logs by offset, a bounded wait, cancel, and a second cancel refused as already_final")
    void lifecycle() throws Exception {
        try (CoordinatorServer c = Coordinators.start(dir); HearthClient hearth = Coordinators.client(c, dir)) {
            Job job = hearth.jobs().submit(JobDocument.yaml("command: [sh, -c, 'echo hi']\nmemory: 64m\n"),
                    SubmitOptions.defaults().withIdempotencyKey("yaml-1"));
            assertThat(job.status().state()).isEqualTo("queued");
            assertThat(job.logs(0)).isEqualTo(new LogChunk("", 0, 0, false));
            assertThatThrownBy(() -> job.waitFor(Duration.ofMillis(300))).isInstanceOf(TimeoutException.class)
                    .hasMessageContaining("job " + job.id() + " is not final after PT0.3S: it is queued");
            assertThat(job.cancel().state()).isEqualTo("cancelled");
            assertThat(job.waitFor(Duration.ofSeconds(5)).isFinal()).isTrue();
            assertThatThrownBy(job::cancel).isInstanceOfSatisfying(HearthApiException.class,
                    e -> assertThat(e.code()).isEqualTo("already_final"));
            Job again = hearth.jobs().submit(JobDocument.yaml("command: [sh, -c, 'echo hi']\nmemory: 64m\n"),
                    SubmitOptions.defaults().withIdempotencyKey("yaml-1"));
            assertThat(again.id()).as("the same key and document answer the first job").isEqualTo(job.id());
            assertThat(again.replayed()).isTrue();
            assertThatThrownBy(() -> hearth.jobs().submit(JobDocument.builder().command("other").build(),
                    SubmitOptions.defaults().withIdempotencyKey("yaml-1")))
                    .isInstanceOfSatisfying(HearthApiException.class, e -> assertThat(e.status()).isEqualTo(422));
        }
    }

    @Test
    @DisplayName("lists page by the next cursor, and all() follows every page")
    void paging() throws Exception {
        try (CoordinatorServer c = Coordinators.start(dir); HearthClient hearth = Coordinators.client(c, dir)) {
            Set<String> made = new HashSet<>();
            for (int i = 0; i < 5; i++) {
                made.add(hearth.jobs().submit(JobDocument.builder().command("echo", String.valueOf(i)).build()).id());
            }
            Page<JobInfo> first = hearth.jobs().list(null, 2, null);
            assertThat(first.items()).hasSize(2);
            assertThat(first.next()).isPresent();
            Page<JobInfo> second = hearth.jobs().list(null, 2, first.next().get());
            assertThat(second.items()).extracting(JobInfo::id).doesNotContainAnyElementsOf(
                    first.items().stream().map(JobInfo::id).toList());
            assertThat(hearth.jobs().all(null, 100)).extracting(JobInfo::id).containsExactlyInAnyOrderElementsOf(made);
            assertThat(hearth.jobs().all("queued", 3)).hasSize(3);
        }
    }

    @Test
    @DisplayName("the builder refuses a token over plain HTTP to a host that is not loopback, and a missing token")
    void builderRefuses() {
        assertThatThrownBy(() -> HearthClient.builder().url(URI.create("http://10.0.0.1:7070"))
                .token("k".toCharArray()).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("plain HTTP to 10.0.0.1");
        assertThatThrownBy(() -> HearthClient.builder().url(URI.create("https://c.example:7070")).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("token");
        HearthClient.builder().url(URI.create("http://10.0.0.1:7070")).token("k".toCharArray())
                .allowInsecureHttp(true).build().close();
    }
}
