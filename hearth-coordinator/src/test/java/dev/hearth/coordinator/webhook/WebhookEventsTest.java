// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.coordinator.store.AccountKind;
import dev.hearth.coordinator.store.EventRecord;
import dev.hearth.coordinator.store.HoldRequest;
import dev.hearth.coordinator.store.JobRecord;
import dev.hearth.coordinator.store.JobState;
import dev.hearth.coordinator.store.NodeRecord;
import dev.hearth.coordinator.store.NodeState;
import dev.hearth.coordinator.store.Store;
import dev.hearth.coordinator.store.TransferKind;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Job events: a submit's job.queued comes from the record as queued")
class WebhookEventsTest {

    @TempDir
    Path dir;

    @Test
    @DisplayName("a job a scheduling pass leased before its submit's event was written still gets job.queued, and "
            + "then its job.leased")
    void queuedSurvivesAnEarlyLease() {
        InstantSource clock = InstantSource.system();
        try (Store store = Store.sqlite(dir.resolve("hearth.db"), clock)) {
            store.ledger().post("dep:alice", TransferKind.DEPOSIT, AccountKind.EXTERNAL_ID, "client:alice", 5_000_000L,
                    null);
            JobRecord queued = store.submitJob("j1", "{\"image\":\"hearth/busybox\"}", 0, 0,
                    new HoldRequest("client:alice", 1_000_000L));
            assertThat(queued.state()).isEqualTo(JobState.QUEUED);
            Instant now = clock.instant();
            store.upsertNode(new NodeRecord("n1", "key-n1", "n1.example", "linux", "amd64", 8, 16L << 30,
                    List.of("docker"), List.of(), "0.1.0", "1.0", NodeState.ONLINE, now, now));
            store.grantLease("j1", "n1"); // the pass came first
            WebhookEvents events = new WebhookEvents(store, clock, () -> { });
            events.submitted(List.of(queued));
            events.job("j1"); // the pass's own event
            assertThat(store.webhooks().eventsAfter(0, 100)).extracting(EventRecord::type)
                    .containsExactly("job.queued", "job.leased");
        }
    }
}
