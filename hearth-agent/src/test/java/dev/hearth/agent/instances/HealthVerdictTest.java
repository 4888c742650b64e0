// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.instances;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Instance health: a healthy service is shown failing only after three failed probes in a row")
class HealthVerdictTest {

    private static final String TIMEOUT = "failing: request timed out";

    @Test
    @DisplayName("a starting service shows each failure at once, quietly; its first ok is logged")
    void starting() {
        HealthVerdict v = new HealthVerdict();
        assertThat(v.shown()).isEqualTo("unknown");
        assertThat(v.observe("failing: Connection refused")).isNull();
        assertThat(v.shown()).isEqualTo("failing: Connection refused");
        assertThat(v.observe("ok")).isEqualTo("health ok");
        assertThat(v.observe("ok")).isNull();
        assertThat(v.shown()).isEqualTo("ok");
    }

    @Test
    @DisplayName("two timeouts in a row keep it ok (each logged); the third shows it failing; one ok restores it")
    void busyThenDown() {
        HealthVerdict v = new HealthVerdict();
        v.observe("ok");
        assertThat(v.observe(TIMEOUT)).isEqualTo("health probe 1 of 3 failed, still ok: request timed out");
        assertThat(v.shown()).isEqualTo("ok");
        assertThat(v.observe(TIMEOUT)).isEqualTo("health probe 2 of 3 failed, still ok: request timed out");
        assertThat(v.shown()).isEqualTo("ok");
        assertThat(v.observe(TIMEOUT)).isEqualTo("health " + TIMEOUT);
        assertThat(v.shown()).isEqualTo(TIMEOUT);
        assertThat(v.observe(TIMEOUT)).isNull();
        assertThat(v.observe("failing: HTTP 503 down")).isEqualTo("health failing: HTTP 503 down");
        assertThat(v.observe("ok")).isEqualTo("health ok");
        assertThat(v.shown()).isEqualTo("ok");
    }

    @Test
    @DisplayName("an ok between failures starts the count again")
    void countResets() {
        HealthVerdict v = new HealthVerdict();
        v.observe("ok");
        v.observe(TIMEOUT);
        v.observe(TIMEOUT);
        v.observe("ok");
        v.observe(TIMEOUT);
        v.observe(TIMEOUT);
        assertThat(v.shown()).isEqualTo("ok");
    }

    @Test
    @DisplayName("set (guest down, proxy closed) shows at once and forgets the count")
    void setForgets() {
        HealthVerdict v = new HealthVerdict();
        v.observe("ok");
        v.observe(TIMEOUT);
        v.observe(TIMEOUT);
        v.set("failing: guest down (killed)");
        assertThat(v.shown()).isEqualTo("failing: guest down (killed)");
        v.set("unknown");
        assertThat(v.observe(TIMEOUT)).isNull();
        assertThat(v.shown()).isEqualTo(TIMEOUT);
    }
}
