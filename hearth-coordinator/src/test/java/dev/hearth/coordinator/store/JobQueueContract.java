// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Submitting jobs and the queue's order. */
interface JobQueueContract extends StoreFixture {

    @Test
    @DisplayName("a submitted job is queued with no lease yet, and reads back as submitted")
    default void submit() {
        JobRecord job = store().submitJob("j1", "{\"a\":1}", 5, 2);

        assertThat(job.state()).isEqualTo(JobState.QUEUED);
        assertThat(job.epoch()).isZero();
        assertThat(job.attempts()).isZero();
        assertThat(job.nodeId()).isNull();
        assertThat(job.submittedAt()).isEqualTo(clock().instant().truncatedTo(ChronoUnit.MILLIS));
        assertThat(job("j1")).isEqualTo(job);
        assertThat(store().job("nope")).isEmpty();
    }

    @Test
    @DisplayName("a second job with the same id is refused, naming the first one's state")
    default void duplicateId() {
        submit("j1", 0);

        assertThatThrownBy(() -> submit("j1", 0)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("job j1 already exists").hasMessageContaining("QUEUED");
    }

    @Test
    @DisplayName("negative retries and blank ids are refused, naming the field")
    default void badInput() {
        assertThatThrownBy(() -> store().submitJob("j1", "{}", 0, -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxRetries of job j1");
        assertThatThrownBy(() -> store().submitJob(" ", "{}", 0, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("job id");
    }

    @Test
    @DisplayName("the queue is in priority order, highest first, then oldest first")
    default void queueOrder() {
        store().submitJob("low-old", "{}", 0, 0);
        clock().advance(Duration.ofSeconds(1));
        store().submitJob("high-new", "{}", 9, 0);
        clock().advance(Duration.ofSeconds(1));
        store().submitJob("low-new", "{}", 0, 0);
        store().submitJob("high-newer", "{}", 9, 0);
        clock().advance(Duration.ofSeconds(1));
        store().submitJob("mid", "{}", 3, 0);

        assertThat(store().queuedJobs()).extracting(JobRecord::id)
                .containsExactly("high-new", "high-newer", "mid", "low-old", "low-new");
    }

    @Test
    @DisplayName("jobs can be listed all together or by state")
    default void listByState() {
        leasedJob("leased", "n1");
        submit("queued", 0);

        assertThat(store().jobs(Optional.empty())).extracting(JobRecord::id).containsExactly("leased", "queued");
        assertThat(store().jobs(Optional.of(JobState.LEASED))).extracting(JobRecord::id).containsExactly("leased");
        assertThat(store().queuedJobs()).extracting(JobRecord::id).containsExactly("queued");
        assertThat(store().jobs(Optional.of(JobState.COMPLETED))).isEmpty();
    }

    @Test
    @DisplayName("a client's jobs are those held from its account, read in one query: by state, and paged full")
    default void ownedJobs() {
        HoldRequest alice = new HoldRequest("client:alice", 0);
        for (int i = 0; i < 4; i++) {
            store().submitJob("a" + i, "{}", 0, 0, alice);
            submit("other" + i, 0);
            clock().advance(Duration.ofMillis(1));
        }
        leasedJob("leased", "n1");

        assertThat(store().jobsOwnedBy("client:alice", java.util.EnumSet.of(JobState.QUEUED)))
                .extracting(JobRecord::id).containsExactly("a0", "a1", "a2", "a3");
        assertThat(store().jobsOwnedBy("client:alice", java.util.EnumSet.of(JobState.LEASED))).isEmpty();
        assertThat(store().jobsOwnedBy("client:default", java.util.EnumSet.of(JobState.LEASED)))
                .extracting(JobRecord::id).containsExactly("leased");
        JobPage first = store().jobPageOf("client:alice", Optional.empty(), Optional.empty(), 3);
        assertThat(first.jobs()).extracting(JobRecord::id).containsExactly("a3", "a2", "a1");
        assertThat(store().jobPageOf("client:alice", Optional.of(JobState.QUEUED),
                first.next().map(JobPage.Cursor::decode), 3).jobs()).extracting(JobRecord::id).containsExactly("a0");
        assertThat(store().jobPageOf("client:bob", Optional.empty(), Optional.empty(), 3).jobs()).isEmpty();
    }

    @Test
    @DisplayName("pages run newest first; a cursor is a position, so jobs submitted meanwhile never shift later pages")
    default void paging() {
        for (int i = 0; i < 5; i++) {
            submit("j" + i, 0);
            if (i % 2 == 1) {
                clock().advance(Duration.ofMillis(1)); // some share a millisecond: the id orders those
            }
        }
        leasedJob("leased", "n1");
        JobPage first = store().jobPage(Optional.empty(), Optional.empty(), 3);
        assertThat(first.jobs()).extracting(JobRecord::id).containsExactly("leased", "j4", "j3");
        submit("newer", 0);
        JobPage second = store().jobPage(Optional.empty(), first.next().map(JobPage.Cursor::decode), 3);
        assertThat(second.jobs()).extracting(JobRecord::id).containsExactly("j2", "j1", "j0");
        assertThat(second.next()).isEmpty();
        assertThat(store().jobPage(Optional.of(JobState.QUEUED), Optional.empty(), 500).jobs()).hasSize(6);
        assertThatThrownBy(() -> store().jobPage(Optional.empty(), Optional.empty(), 501))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("limit 501");
        assertThatThrownBy(() -> JobPage.Cursor.decode("%%")).hasMessageContaining("cursor '%%' is invalid");
    }

    @Test
    @DisplayName("jobs are counted by state in one answer, every state present; the store answers a ping")
    default void counts() {
        leasedJob("leased", "n1");
        submit("q1", 0);
        submit("q2", 0);
        store().ping();
        var counts = store().jobCounts();
        assertThat(counts).hasSize(JobState.values().length).containsEntry(JobState.QUEUED, 2L)
                .containsEntry(JobState.LEASED, 1L).containsEntry(JobState.COMPLETED, 0L);
    }

    @Test
    @DisplayName("a job's reason can be set and cleared; an unknown job's cannot")
    default void reason() {
        submit("j1", 0);

        assertThat(store().setReason("j1", "waiting for a node with 2 GPUs")).isTrue();
        assertThat(job("j1").reason()).isEqualTo("waiting for a node with 2 GPUs");
        assertThat(store().setReason("j1", null)).isTrue();
        assertThat(job("j1").reason()).isNull();
        assertThat(store().setReason("ghost", "x")).isFalse();
        submit("j2", 0);
        java.util.Map<String, String> reasons = new java.util.HashMap<>();
        reasons.put("j1", "waiting for capacity");
        reasons.put("j2", null);
        reasons.put("ghost", "x");
        assertThat(store().setReasons(reasons)).isEqualTo(2);
        assertThat(job("j1").reason()).isEqualTo("waiting for capacity");
        assertThat(job("j2").reason()).isNull();
    }

    @Test
    @DisplayName("a queued job can be marked unplaceable with a reason, leaves the queue, and can come back")
    default void unplaceable() {
        submit("j1", 0);

        assertThat(store().markUnplaceable("j1", "needs 4 GPUs; the largest node has 1")).isTrue();
        assertThat(job("j1").state()).isEqualTo(JobState.UNPLACEABLE);
        assertThat(job("j1").reason()).contains("needs 4 GPUs");
        assertThat(store().queuedJobs()).isEmpty();
        assertThat(store().markUnplaceable("j1", "again")).isFalse();

        assertThat(store().markPlaceable("j1")).isTrue();
        assertThat(job("j1").state()).isEqualTo(JobState.QUEUED);
        assertThat(job("j1").reason()).isNull();
        assertThat(store().markPlaceable("j1")).isFalse();
    }
}
