// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.link;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.core.protocol.CoordinatorMessage;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("A link with several coordinator endpoints tries each in turn, backing off only after a full round")
class CoordinatorLinkEndpointsTest {

    @Test
    @DisplayName("with every endpoint refusing, the link dials them in order, at once within a round and after the "
            + "growing backoff between rounds")
    void roundsThenBackoff() throws Exception {
        List<URI> endpoints = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            try (ServerSocket s = new ServerSocket(0)) {
                endpoints.add(URI.create("ws://127.0.0.1:" + s.getLocalPort() + "/v1/agent"));
            }
        }
        List<URI> next = new ArrayList<>();
        List<Duration> delays = new ArrayList<>();
        // random 0: a spread is 0 ms, the backoff's steps 25, 50, 100 ms (half of base, 2 base, 4 base)
        Backoff backoff = new Backoff(Duration.ofMillis(50), Duration.ofSeconds(1), () -> 0.0);
        CoordinatorLink[] link = new CoordinatorLink[1];
        link[0] = new CoordinatorLink(endpoints, backoff, new CoordinatorLink.Listener() {
            @Override
            public void connected() {
            }

            @Override
            public void received(CoordinatorMessage message) {
            }

            @Override
            public void disconnected(String why, Duration retryIn) {
                synchronized (delays) {
                    if (delays.size() < 9) {
                        next.add(link[0].endpoint());
                        delays.add(retryIn);
                    }
                    delays.notifyAll();
                }
            }
        }, Optional.empty());
        assertThat(link[0].endpoint()).isEqualTo(endpoints.getFirst());
        try {
            link[0].start();
            synchronized (delays) {
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (delays.size() < 9 && System.nanoTime() < deadline) {
                    delays.wait(1000);
                }
            }
        } finally {
            link[0].close();
        }
        assertThat(next).containsExactly(endpoints.get(1), endpoints.get(2), endpoints.get(0),
                endpoints.get(1), endpoints.get(2), endpoints.get(0), endpoints.get(1), endpoints.get(2),
                endpoints.get(0));
        assertThat(delays).containsExactly(Duration.ZERO, Duration.ZERO, Duration.ofMillis(25), Duration.ZERO,
                Duration.ZERO, Duration.ofMillis(50), Duration.ZERO, Duration.ZERO, Duration.ofMillis(100));
    }
}
