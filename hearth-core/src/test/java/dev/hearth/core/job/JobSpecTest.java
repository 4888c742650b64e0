// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.core.InvalidInputException;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("Job specs validate every field and name the one at fault")
class JobSpecTest {

    @Test
    @DisplayName("defaults: no network, 512m, 1.5 CPUs, 256 pids, 300 s")
    void defaults() {
        JobSpec spec = JobSpec.builder("j1", "busybox", List.of("true")).build();
        assertThat(spec.network()).isEqualTo(NetworkPolicy.NONE);
        assertThat(spec.limits().memory().bytes()).isEqualTo(512L << 20);
        assertThat(spec.limits().cpus().nanoCpus()).isEqualTo(1_500_000_000L);
        assertThat(spec.limits().pids()).isEqualTo(256);
        assertThat(spec.timeout()).hasSeconds(300);
    }

    @Test
    @DisplayName("an empty command is refused with an example of the accepted form")
    void emptyCommand() {
        assertThatThrownBy(() -> JobSpec.builder("j1", "busybox", List.of()).build())
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("command is required").hasMessageContaining("hearth run -- echo hello");
    }

    @ParameterizedTest(name = "image ''{0}'' is refused")
    @ValueSource(strings = {"Busybox", "bad image", "a//b", "img:", "-lead", "x:tag with space", "team/Upper"})
    void badImages(String image) {
        assertThatThrownBy(() -> JobSpec.builder("j1", image, List.of("true")).build())
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("image '" + image + "' is invalid");
    }

    @ParameterizedTest(name = "image ''{0}'' is accepted")
    @ValueSource(strings = {"busybox", "hearth/python:3.11", "localhost:5000/a/b:1.0", "a_b.c-d",
            "127.0.0.1:1/missing:latest", "img@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"})
    void goodImages(String image) {
        assertThat(JobSpec.builder("j1", image, List.of("true")).build().image()).isEqualTo(image);
    }

    @Test
    @DisplayName("a secret never shows in the spec's text")
    void secretsHidden() {
        JobSpec spec = JobSpec.builder("j1", "busybox", List.of("true"))
                .secret("API_KEY", SecretValue.of("sk-very-secret")).build();
        assertThat(spec.toString()).doesNotContain("sk-very-secret").contains("API_KEY=****");
    }

    @ParameterizedTest(name = "file path ''{0}'' is refused")
    @ValueSource(strings = {"relative/x", "/job/../etc/passwd", "/job/", "/a//b"})
    void badPaths(String path) {
        assertThatThrownBy(() -> new JobFile(path, new byte[0], 0644))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("absolute path");
    }

    @Test
    @DisplayName("a result's hashes recompute from its own fields, and a changed field breaks them")
    void resultHashesHold() {
        Instant start = Instant.parse("2026-11-23T09:00:00Z");
        JobResult r = JobResult.of("j1", JobStatus.COMPLETED, 0, "busybox", start, start.plusMillis(1500),
                "hello done\n", 11, false, null);
        assertThat(r.hashesHold()).isTrue();
        assertThat(r.durationMillis()).isEqualTo(1500);
        assertThat(r.timestamp()).isEqualTo("2026-11-23T09:00:01.500000Z");
        assertThat(r.logsHash()).isEqualTo("43b0d5d45d6d1c0076ffe42a41622c7596d74492a5f58caad5123cfaf95686ae");
        JobResult tampered = new JobResult(r.jobId(), r.status(), 1, r.image(), r.startedAt(), r.finishedAt(),
                r.durationMillis(), r.logs(), r.logBytes(), r.logsTruncated(), r.timestamp(), r.logsHash(),
                r.executionHash(), null);
        assertThat(tampered.hashesHold()).isFalse();
    }
}
