// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.core.protocol.JobResultMessage;
import dev.hearth.core.protocol.LeaseRef;
import dev.hearth.core.protocol.Protocol;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The node key and the result outbox live in the state folder, private to their owner, across restarts")
class NodeIdentityAndOutboxTest {

    @TempDir
    Path state;

    @Test
    @DisplayName("the key is made once (mode 600), reloads as the same key, and its signatures verify")
    void identity() throws Exception {
        Path dir = state.resolve("agent");
        NodeIdentity first = NodeIdentity.loadOrCreate(dir);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("node.key"))))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
        NodeIdentity again = NodeIdentity.loadOrCreate(dir);
        assertThat(again.publicKeyBase64()).isEqualTo(first.publicKeyBase64());
        byte[] challenge = Protocol.registrationChallenge("nonce-1");
        Signature v = Signature.getInstance("Ed25519");
        v.initVerify(KeyFactory.getInstance("Ed25519").generatePublic(
                new X509EncodedKeySpec(Base64.getDecoder().decode(first.publicKeyBase64()))));
        v.update(challenge);
        assertThat(v.verify(Base64.getDecoder().decode(again.sign(challenge)))).isTrue();
        assertThat(first.toString()).doesNotContain(Files.readString(dir.resolve("node.key")).trim());
    }

    @Test
    @DisplayName("a key readable by others is refused with the chmod that fixes it")
    void looseKeyRefused() throws Exception {
        NodeIdentity.loadOrCreate(state);
        Files.setPosixFilePermissions(state.resolve("node.key"), PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> NodeIdentity.loadOrCreate(state)).hasMessageContaining("readable by others")
                .hasMessageContaining("chmod 600");
    }

    @Test
    @DisplayName("results are kept (mode 600) until removed, survive reopening, and name their leases")
    void outbox() throws Exception {
        Outbox box = Outbox.open(state);
        box.put(result("job-a", 1));
        box.put(result("job-b", 3));
        box.put(result("job-a", 2));
        try (var files = Files.list(state.resolve("outbox"))) {
            assertThat(files.toList()).hasSize(3).allSatisfy(f -> assertThat(PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(f))).isEqualTo("rw-------"));
        }
        Outbox reopened = Outbox.open(state);
        assertThat(reopened.pending()).extracting(JobResultMessage::id).containsExactlyInAnyOrder("job-a", "job-b",
                "job-a");
        assertThat(reopened.pending().getFirst().logs()).isEqualTo("out\n");
        reopened.remove("job-a", 1);
        reopened.remove("job-unknown", 9);
        assertThat(reopened.leases()).containsExactlyInAnyOrder(new LeaseRef("job-b", 3), new LeaseRef("job-a", 2));
        box.put(result("job-b", 3));
        assertThat(reopened.pending()).hasSize(2);
    }

    @Test
    @DisplayName("a result refused for good moves to dead-letter with its reason; the outbox moves on; 100 are kept")
    void deadLetter() throws Exception {
        Outbox box = Outbox.open(state);
        box.put(result("job-big", 4));
        box.put(result("job-next", 1));
        box.deadLetter("job-big", 4, "result_too_large: over 4194304 characters");
        box.deadLetter("job-never-here", 1, "verification_failed: x");
        assertThat(box.pending()).extracting(JobResultMessage::id).containsExactly("job-next");
        assertThat(box.deadLetters()).hasSize(1);
        Path kept = box.deadLetters().getFirst();
        assertThat(Files.readString(kept)).contains("\"id\":\"job-big\"");
        assertThat(Files.readString(kept.resolveSibling(kept.getFileName() + ".reason")))
                .isEqualTo("job job-big epoch 4: result_too_large: over 4194304 characters\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(kept.getParent())))
                .isEqualTo("rwx------");
        for (int i = 0; i < Outbox.DEAD_LETTERS_KEPT + 5; i++) {
            box.put(result("job-" + i, 1));
            box.deadLetter("job-" + i, 1, "verification_failed: x");
        }
        assertThat(box.deadLetters()).hasSize(Outbox.DEAD_LETTERS_KEPT);
        try (var files = Files.list(state.resolve("dead-letter"))) {
            assertThat(files.toList()).hasSize(2 * Outbox.DEAD_LETTERS_KEPT);
        }
        assertThat(Outbox.open(state).pending()).extracting(JobResultMessage::id).containsExactly("job-next");
    }

    private static JobResultMessage result(String id, long epoch) {
        return new JobResultMessage(id, "node-1", "completed", true, "out\n", 0, "e", "l", 1L, epoch, "ts", 1L, 1L,
                4L, false, null, null, null);
    }
}
