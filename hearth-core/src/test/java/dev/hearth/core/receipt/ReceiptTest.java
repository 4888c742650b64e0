// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.receipt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.core.InvalidInputException;
import dev.hearth.core.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.NamedParameterSpec;
import java.util.HexFormat;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

@DisplayName("Receipts: canonical encoding and Ed25519 signatures agree with Python (receipt-vectors.json)")
public class ReceiptTest {

    private static JsonNode vectors() {
        return read("receipt-vectors.json");
    }

    private static JsonNode read(String name) {
        try (InputStream in = ReceiptTest.class.getResourceAsStream(name)) {
            return Json.mapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The sample receipt of the vectors (also used by other tests as a well-formed receipt). */
    public static Receipt sample() {
        return Json.mapper().convertValue(read("sample-receipt.json"), Receipt.class);
    }

    /** RFC 8032's test 1 private key. */
    private static PrivateKey rfcKey() throws Exception {
        byte[] seed = HexFormat.of().parseHex(vectors().get("seedHex").asText());
        return KeyFactory.getInstance("Ed25519").generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519,
                seed));
    }

    @Test
    @DisplayName("the canonical text is byte for byte Python's json.dumps(sort_keys=True, separators=(',', ':'))")
    void canonicalMatchesPython() {
        assertThat(sample().canonicalJson()).isEqualTo(vectors().get("canonical").asText());
        assertThat(sample().canonicalJson()).matches("\\p{ASCII}*").doesNotContain(" :", ", ", ": ");
    }

    @Test
    @DisplayName("the signature over the canonical text equals the one Python's cryptography made with the same key")
    void signatureMatchesPython() throws Exception {
        assertThat(ReceiptSigner.sign(sample(), rfcKey())).isEqualTo(vectors().get("signature").asText());
        PublicKey pub = NodeKeys.parse("key", vectors().get("publicKey").asText());
        assertThat(ReceiptVerifier.verifies(sample(), vectors().get("signature").asText(), pub)).isTrue();
        assertThat(NodeKeys.fingerprint(pub)).isEqualTo(vectors().get("fingerprint").asText())
                .isEqualTo(sample().nodeKeyFingerprint());
    }

    @Test
    @DisplayName("any JSON spelling of a receipt (order, spaces, indentation) encodes to the same canonical bytes")
    void encodingIsUnambiguous() throws Exception {
        String pretty = new SignedReceipt(sample(), "x").json();
        Receipt back = SignedReceipt.parse("file", pretty).receipt();
        assertThat(back).isEqualTo(sample());
        assertThat(back.canonicalJson()).isEqualTo(sample().canonicalJson());
        Receipt reparsed = Json.mapper().readValue(sample().canonicalJson(), Receipt.class);
        assertThat(reparsed.canonicalJson()).isEqualTo(sample().canonicalJson());
    }

    static Stream<UnaryOperator<Receipt>> tampers() {
        return Stream.of(
                r -> new Receipt(r.format(), "other-job", r.epoch(), r.nodeId(), r.nodeKeyFingerprint(), r.image(),
                        r.imageDigest(), r.command(), r.limits(), r.gpus(), r.startedAt(), r.finishedAt(),
                        r.timestamp(), r.exitCode(), r.status(), r.usage(), r.logBytes(), r.logsTruncated(),
                        r.logsHash(), r.executionHash(), r.outputs()),
                r -> new Receipt(r.format(), r.jobId(), r.epoch() + 1, r.nodeId(), r.nodeKeyFingerprint(), r.image(),
                        r.imageDigest(), r.command(), r.limits(), r.gpus(), r.startedAt(), r.finishedAt(),
                        r.timestamp(), r.exitCode(), r.status(), r.usage(), r.logBytes(), r.logsTruncated(),
                        r.logsHash(), r.executionHash(), r.outputs()),
                r -> new Receipt(r.format(), r.jobId(), r.epoch(), r.nodeId(), r.nodeKeyFingerprint(), r.image(),
                        r.imageDigest(), r.command(), r.limits(), r.gpus(), r.startedAt(), r.finishedAt(),
                        r.timestamp(), 1L, r.status(), r.usage(), r.logBytes(), r.logsTruncated(),
                        r.logsHash(), r.executionHash(), r.outputs()),
                r -> new Receipt(r.format(), r.jobId(), r.epoch(), r.nodeId(), r.nodeKeyFingerprint(), r.image(),
                        r.imageDigest(), r.command(), r.limits(), r.gpus(), r.startedAt(), r.finishedAt(),
                        r.timestamp(), r.exitCode(), r.status(), r.usage(), r.logBytes(), r.logsTruncated(),
                        "f" + r.logsHash().substring(1), r.executionHash(), r.outputs()),
                r -> new Receipt(r.format(), r.jobId(), r.epoch(), r.nodeId(), r.nodeKeyFingerprint(), r.image(),
                        r.imageDigest(), r.command(), r.limits(), r.gpus(), r.startedAt(), r.finishedAt(),
                        r.timestamp(), r.exitCode(), r.status(), r.usage(), r.logBytes(), r.logsTruncated(),
                        r.logsHash(), r.executionHash(), List.of()),
                r -> new Receipt(r.format(), r.jobId(), r.epoch(), r.nodeId(), r.nodeKeyFingerprint(), r.image(),
                        null, r.command(), r.limits(), r.gpus(), r.startedAt(), r.finishedAt(),
                        r.timestamp(), r.exitCode(), r.status(), r.usage(), r.logBytes(), r.logsTruncated(),
                        r.logsHash(), r.executionHash(), r.outputs()));
    }

    @ParameterizedTest(name = "tamper {index}")
    @MethodSource("tampers")
    @DisplayName("a receipt changed in any field no longer verifies")
    void tamperedFails(UnaryOperator<Receipt> tamper) throws Exception {
        String signature = ReceiptSigner.sign(sample(), rfcKey());
        PublicKey pub = NodeKeys.parse("key", vectors().get("publicKey").asText());
        Receipt changed = tamper.apply(sample());
        assertThat(changed.canonicalJson()).isNotEqualTo(sample().canonicalJson());
        assertThat(ReceiptVerifier.verifies(changed, signature, pub)).isFalse();
    }

    @Test
    @DisplayName("another key's signature, a malformed signature and a missing one all fail")
    void otherKeysFail() throws Exception {
        KeyPair other = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        PublicKey pub = NodeKeys.parse("key", vectors().get("publicKey").asText());
        assertThat(ReceiptVerifier.verifies(sample(), ReceiptSigner.sign(sample(), other.getPrivate()), pub)).isFalse();
        assertThat(ReceiptVerifier.verifies(sample(), ReceiptSigner.sign(sample(), rfcKey()), other.getPublic()))
                .isFalse();
        assertThat(ReceiptVerifier.verifies(sample(), "not base64!", pub)).isFalse();
        assertThat(ReceiptVerifier.verifies(sample(), "AAAA", pub)).isFalse();
        assertThat(ReceiptVerifier.verifies(sample(), null, pub)).isFalse();
    }

    @Test
    @DisplayName("a public key that is not base64 of an Ed25519 key is refused, naming the field")
    void badKeys() {
        assertThatThrownBy(() -> NodeKeys.parse("--key", "bm90IGEga2V5")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("--key").hasMessageContaining("Ed25519 public key");
        assertThatThrownBy(() -> SignedReceipt.parse("receipt.json", "{\"receipt\":{}}"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("signature");
        assertThatThrownBy(() -> SignedReceipt.parse("receipt.json", "not json"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("receipt.json");
    }
}
