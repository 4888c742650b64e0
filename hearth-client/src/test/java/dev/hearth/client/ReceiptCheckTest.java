// SPDX-License-Identifier: Apache-2.0
package dev.hearth.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.core.receipt.NodeKeys;
import dev.hearth.core.receipt.OutputFile;
import dev.hearth.core.receipt.Receipt;
import dev.hearth.core.receipt.ReceiptSigner;
import dev.hearth.core.receipt.SignedReceipt;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("A receipt is trusted only when its job, key and Ed25519 signature hold; output paths stay in their folder")
class ReceiptCheckTest {

    private static Receipt receipt(String jobId, long exitCode, KeyPair key) {
        return new Receipt(Receipt.FORMAT, jobId, 1L, "node-1", NodeKeys.fingerprint(key.getPublic()),
                "hearth/busybox:latest", null, List.of("true"), null, List.of(), 1L, 2L, "t", exitCode, "completed",
                null, 0L, false, "h", "e", List.of(new OutputFile("/job/out/a.txt", 1, "ab")));
    }

    @Test
    @DisplayName("verifies a signed receipt and refuses a changed one, another key's, and another job's")
    void verifies() throws Exception {
        KeyPair node = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        KeyPair other = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Receipt r = receipt("job-1", 0, node);
        String sig = ReceiptSigner.sign(r, node.getPrivate());
        VerifiedReceipt ok = new ReceiptCheck("job-1", new SignedReceipt(r, sig)).verify(node.getPublic());
        assertThat(ok.outputSha256("a.txt")).contains("ab");
        assertThat(ok.outputSha256("/job/out/a.txt")).contains("ab");

        assertThatThrownBy(() -> new ReceiptCheck("job-1", new SignedReceipt(receipt("job-1", 1, node), sig))
                .verify(node.getPublic())).isInstanceOf(VerificationException.class)
                .hasMessageContaining("signature");
        assertThatThrownBy(() -> new ReceiptCheck("job-1", new SignedReceipt(r, sig)).verify(other.getPublic()))
                .isInstanceOf(VerificationException.class).hasMessageContaining("names key");
        assertThatThrownBy(() -> new ReceiptCheck("job-2", new SignedReceipt(r, sig)).verify(node.getPublic()))
                .isInstanceOf(VerificationException.class).hasMessageContaining("is the receipt of job job-1");
    }

    @Test
    @DisplayName("an output path that would leave the download folder is refused")
    void traversal() throws Exception {
        Path dir = Path.of("/tmp/out");
        assertThat(OutputDownload.target(dir, "/job/out/sub/a.txt")).isEqualTo(Path.of("/tmp/out/sub/a.txt"));
        assertThat(OutputDownload.target(dir, "a.txt")).isEqualTo(Path.of("/tmp/out/a.txt"));
        assertThatThrownBy(() -> OutputDownload.target(dir, "../etc/passwd")).isInstanceOf(VerificationException.class);
        assertThatThrownBy(() -> OutputDownload.target(dir, "/job/out/../../x")).isInstanceOf(VerificationException.class);
    }
}
