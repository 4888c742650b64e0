// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.blobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.coordinator.store.MutableClock;
import dev.hearth.coordinator.store.Store;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Blob retention removes what no unfinished job names once it is older than the retention, and no more")
class BlobRetentionTest {

    @TempDir
    Path dir;

    private static String digest(byte[] bytes) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    @DisplayName("an old blob goes with its file; one a queued job names stays whatever its age, until the job ends; "
            + "a file another owner still holds stays")
    void sweep() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-12-01T00:00:00Z"));
        try (Store store = Store.sqlite(dir.resolve("hearth.db"), clock)) {
            BlobFiles files = new BlobFiles(dir.resolve("blobs"));
            BlobRetention retention = new BlobRetention(store.blobs(), files, clock, Duration.ofDays(7));
            byte[] old = "old".getBytes(StandardCharsets.UTF_8);
            byte[] used = "used".getBytes(StandardCharsets.UTF_8);
            byte[] shared = "shared".getBytes(StandardCharsets.UTF_8);
            for (byte[] b : List.of(old, used, shared)) {
                String d = digest(b);
                files.receive(new ByteArrayInputStream(b), d, 100, n -> store.blobs().add("client:alice", d, n));
            }
            store.submitJob("j1", "{}", 0, 0);
            store.blobs().reference("j1", List.of(digest(used)));
            clock.advance(Duration.ofDays(6));
            store.blobs().add("client:bob", digest(shared), shared.length); // bob uploads it later
            assertThat(retention.sweep()).isZero();

            clock.advance(Duration.ofDays(2));
            assertThat(retention.sweep()).as("only the old one: used is named, shared still bob's").isEqualTo(1);
            assertThat(files.find(digest(old))).isEmpty();
            assertThat(store.blobs().size("client:alice", digest(old))).isEmpty();
            assertThat(files.find(digest(used))).isPresent();
            assertThat(files.find(digest(shared))).isPresent();
            assertThat(store.blobs().size("client:alice", digest(shared))).as("alice's claim expired").isEmpty();
            assertThat(store.blobs().size("client:bob", digest(shared))).hasValue(shared.length);

            store.cancelJob("j1");
            assertThat(retention.sweep()).as("its job ended: the used blob goes too").isEqualTo(1);
            assertThat(files.find(digest(used))).isEmpty();
        }
    }

    @Test
    @DisplayName("a body that does not hash to its digest, or runs past the limit, leaves no file behind")
    void refusedLeavesNothing() throws Exception {
        BlobFiles files = new BlobFiles(dir.resolve("blobs"));
        byte[] body = "body".getBytes(StandardCharsets.UTF_8);
        String other = digest("other".getBytes(StandardCharsets.UTF_8));
        var mismatch = org.assertj.core.api.Assertions.catchThrowableOfType(BlobFiles.Refused.class,
                () -> files.receive(new ByteArrayInputStream(body), other, 100, n -> { }));
        assertThat(mismatch.tooLarge()).isFalse();
        assertThat(mismatch.actual()).isEqualTo(digest(body));
        var tooLarge = org.assertj.core.api.Assertions.catchThrowableOfType(BlobFiles.Refused.class,
                () -> files.receive(new ByteArrayInputStream(body), digest(body), 3, n -> { }));
        assertThat(tooLarge.tooLarge()).isTrue();
        try (var left = java.nio.file.Files.walk(dir.resolve("blobs"))) {
            assertThat(left.filter(java.nio.file.Files::isRegularFile).toList()).isEmpty();
        }
    }
}
