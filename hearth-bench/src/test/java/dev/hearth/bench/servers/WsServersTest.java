// SPDX-License-Identifier: Apache-2.0
package dev.hearth.bench.servers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.core.InvalidInputException;
import dev.hearth.core.protocol.Capacity;
import dev.hearth.core.protocol.Heartbeat;
import dev.hearth.core.protocol.Pong;
import dev.hearth.core.protocol.ProtocolCodec;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("ws-servers: arguments, the warm-up and the servers' answer, without starting a server")
class WsServersTest {

    @Test
    @DisplayName("defaults are 1000 clients every 1s for 30s against all three candidates, as a table")
    void defaults() {
        assertThat(WsServersArgs.parse(List.of())).isEqualTo(new WsServersArgs(1000, Duration.ofSeconds(1),
                Duration.ofSeconds(30), List.of(Candidate.HELIDON, Candidate.VERTX, Candidate.JAVALIN), false));
    }

    @Test
    @DisplayName("valued flags take 'flag value' or 'flag=value'; --servers keeps the order given")
    void flags() {
        WsServersArgs a = WsServersArgs.parse(List.of("--agents", "5000", "--interval=10s", "--duration", "1m",
                "--servers", "javalin, helidon", "--json"));
        assertThat(a.agents()).isEqualTo(5000);
        assertThat(a.interval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(a.duration()).isEqualTo(Duration.ofMinutes(1));
        assertThat(a.servers()).containsExactly(Candidate.JAVALIN, Candidate.HELIDON);
        assertThat(a.json()).isTrue();
    }

    @Test
    @DisplayName("bad input names the flag and the accepted form")
    void badInput() {
        assertThatThrownBy(() -> WsServersArgs.parse(List.of("--servers", "helidon,netty")))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("--servers")
                .hasMessageContaining("helidon, vertx, javalin");
        assertThatThrownBy(() -> WsServersArgs.parse(List.of("--servers", "vertx,vertx")))
                .hasMessageContaining("each at most once");
        assertThatThrownBy(() -> WsServersArgs.parse(List.of("--servers", "")))
                .hasMessageContaining("--servers");
        assertThatThrownBy(() -> WsServersArgs.parse(List.of("--agents", "0"))).hasMessageContaining("--agents");
        assertThatThrownBy(() -> WsServersArgs.parse(List.of("--agents", "many"))).hasMessageContaining("--agents");
        assertThatThrownBy(() -> WsServersArgs.parse(List.of("--agents"))).hasMessageContaining("--agents");
        assertThatThrownBy(() -> WsServersArgs.parse(List.of("--interval", "10ms")))
                .hasMessageContaining("--interval").hasMessageContaining("100ms to 10m");
        assertThatThrownBy(() -> WsServersArgs.parse(List.of("--duration", "2s"))).hasMessageContaining("--duration");
        assertThatThrownBy(() -> WsServersArgs.parse(List.of("--jobs", "5")))
                .hasMessageContaining("ws-servers option").hasMessageContaining("--servers LIST");
    }

    @Test
    @DisplayName("the warm-up is one interval, but never under 10 s")
    void warmup() {
        assertThat(WsServers.warmup(Duration.ofSeconds(1))).isEqualTo(Duration.ofSeconds(10));
        assertThat(WsServers.warmup(Duration.ofSeconds(30))).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    @DisplayName("the live heap is the 'used' KiB of jcmd GC.heap_info's heap line; other text gives none")
    void liveHeap() {
        String info = """
                2543:
                garbage-first heap   total reserved 6172672K, committed 1449984K, used 1272196K [0x0000000687400000, 0x0000000800000000)
                 region size 4096K, 18 young (73728K), 5 survivors (20480K)
                 Metaspace       used 20480K, committed 20736K, reserved 1114112K
                """;
        assertThat(LiveHeap.usedKib(info)).isEqualTo(OptionalLong.of(1_272_196));
        assertThat(LiveHeap.usedKib("2543:\nCommand executed successfully\n")).isEmpty();
    }

    @Test
    @DisplayName("a heartbeat is answered with an ack, other messages with nothing, a bad frame with invalid_message")
    void answer() {
        String heartbeat = ProtocolCodec.encode(new Heartbeat("n1", "2026-01-01T00:00:00Z",
                new Heartbeat.Stats(0, 0, 1, 0, List.of()), "online", new Capacity(4, 16.0, 1L << 30, List.of())));
        assertThat(HeartbeatAnswer.to(heartbeat)).contains("\"type\":\"ack\"");
        assertThat(HeartbeatAnswer.to(ProtocolCodec.encode(new Pong()))).isNull();
        assertThat(HeartbeatAnswer.to("{not json")).contains("invalid_message");
    }
}
