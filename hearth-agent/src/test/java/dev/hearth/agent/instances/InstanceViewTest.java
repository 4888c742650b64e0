// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.instances;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.core.instance.InstanceRuntime;
import dev.hearth.sandbox.GuestStatus;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("InstanceView: the guest's state as list and status show it")
class InstanceViewTest {

    private static InstanceView view(Optional<GuestStatus> guest) {
        InstanceState s = new InstanceState("a", InstanceRuntime.QEMU, 18891, "172.16.0.2", "hearth-a",
                "hearth/openclaw:2026.9.6", "m", List.of(), List.of(), 2, 2048, "4G", true, false,
                InstanceState.Desired.RUNNING, Instant.EPOCH, List.of());
        return new InstanceView(s, guest, Optional.empty(), SupervisorReport.none(), false);
    }

    @Test
    @DisplayName("a guest that does not run and whose last exit says it is paused (MicroVmGuests' status) is paused")
    void paused() {
        GuestStatus saved = new GuestStatus(false, Optional.of("paused: its memory is saved on disk"),
                Optional.of(Instant.EPOCH), Optional.empty(), Optional.empty());
        assertThat(view(Optional.of(saved)).guestState()).isEqualTo("paused");
        GuestStatus exited = new GuestStatus(false, Optional.of("exit 3"), Optional.of(Instant.EPOCH),
                Optional.empty(), Optional.empty());
        assertThat(view(Optional.of(exited)).guestState()).isEqualTo("stopped");
        assertThat(view(Optional.empty()).guestState()).isEqualTo("missing");
    }
}
