// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.core.protocol.InstanceReport;
import dev.hearth.core.protocol.InstanceResult;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Instance commands handed between coordinators: recorded pending, claimed once, ended once (by the node's answer or
 * a deadline), read back typed, pruned. Every dialect keeps the table alike; only PostgreSQL is shared.
 */
interface InstanceCommandContract extends StoreFixture {

    private InstanceCommand pending(String id, String action) {
        return InstanceCommand.pending(id, "n1", "bot-1", action, "client:alice", clock().instant());
    }

    private InstanceCommands commands() {
        return store().instanceCommands();
    }

    @Test
    @DisplayName("a recorded command is pending until one claim takes it; its answer ends it once, read back typed")
    default void recordClaimFinish() {
        commands().record(pending("r1", "restart"));

        assertThat(commands().pending(clock().instant().minusSeconds(5))).extracting(InstanceCommand::requestId)
                .containsExactly("r1");
        assertThat(commands().claim("r1")).isTrue();
        assertThat(commands().claim("r1")).as("a second claim").isFalse();
        assertThat(commands().pending(clock().instant().minusSeconds(5))).isEmpty();

        clock().advance(Duration.ofSeconds(2));
        InstanceResult answer = InstanceResult.done("r1", "bot-1", new InstanceReport("bot-1", "docker", "running",
                "running", "ok", null, 18890, null, 0, null, "2026-03-01T12:00:01Z"));
        assertThat(commands().finish("r1", answer)).isTrue();
        assertThat(commands().finish("r1", InstanceResult.failed("r1", "bot-1", "failed", null, "late")))
                .as("the first answer wins").isFalse();

        InstanceCommand read = commands().command("r1").orElseThrow();
        assertThat(read.state()).isEqualTo(InstanceCommand.State.DONE);
        assertThat(read.result()).isEqualTo(answer);
        assertThat(read.owner()).isEqualTo("client:alice");
        assertThat(read.action()).isEqualTo("restart");
        assertThat(read.createdAt()).isEqualTo(clock().instant().minusSeconds(2).truncatedTo(ChronoUnit.MILLIS));
        assertThat(read.finishedAt()).isEqualTo(clock().instant().truncatedTo(ChronoUnit.MILLIS));
    }

    @Test
    @DisplayName("a deadline abandons only an unclaimed command; a claimed one is left to its answer")
    default void abandonOnlyUnclaimed() {
        InstanceResult late = InstanceResult.failed("r1", "bot-1", "node_unreachable", null, "nobody relayed it");
        commands().record(pending("r1", "stop"));
        commands().record(pending("r2", "stop"));
        assertThat(commands().claim("r2")).isTrue();

        assertThat(commands().abandon("r1", late)).isTrue();
        assertThat(commands().claim("r1")).as("claimed after its deadline").isFalse();
        assertThat(commands().abandon("r2", late)).isFalse();

        assertThat(commands().command("r1").orElseThrow().state()).isEqualTo(InstanceCommand.State.FAILED);
        assertThat(commands().command("r1").orElseThrow().result().message()).isEqualTo("nobody relayed it");
        assertThat(commands().command("r2").orElseThrow().state()).isEqualTo(InstanceCommand.State.SENT);
        assertThat(commands().commands(List.of("r1", "r2", "nope"))).hasSize(2);
        assertThat(commands().abandon("nope", late)).isFalse();
    }

    @Test
    @DisplayName("a create is never recorded (its secrets stay out of the database), nor a request id twice")
    default void refusesCreateAndDuplicates() {
        assertThatThrownBy(() -> commands().record(pending("r1", "create")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("create");
        commands().record(pending("r1", "destroy"));
        assertThatThrownBy(() -> commands().record(pending("r1", "destroy")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("r1");
    }

    @Test
    @DisplayName("a log read keeps its log until removed; pending lists only what is young enough; prune drops the "
            + "ended and the old")
    default void logsPendingAndPrune() {
        commands().record(pending("old", "start"));
        clock().advance(Duration.ofMinutes(10));
        commands().record(pending("log", "logs"));
        commands().record(pending("ended", "stop"));
        commands().finish("log", InstanceResult.log("log", "bot-1", "gateway listening\n"));
        commands().finish("ended", InstanceResult.done("ended", "bot-1", null));

        assertThat(commands().command("log").orElseThrow().result().log()).isEqualTo("gateway listening\n");
        assertThat(commands().pending(clock().instant().minusSeconds(60))).isEmpty();
        assertThat(commands().pending(clock().instant().minus(Duration.ofHours(1))))
                .extracting(InstanceCommand::requestId).containsExactly("old");
        assertThat(commands().remove("log")).isTrue();
        assertThat(commands().remove("log")).isFalse();

        clock().advance(Duration.ofSeconds(1));
        Instant now = clock().instant();
        assertThat(commands().prune(now, now.minus(Duration.ofMinutes(5)))).isEqualTo(2);
        assertThat(commands().commands(List.of("old", "ended"))).isEmpty();
    }
}
