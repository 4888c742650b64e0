// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.receipt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class Ed25519Test {

    private static byte[] jdkSign(KeyPair pair, byte[] message) throws Exception {
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(pair.getPrivate());
        s.update(message);
        return s.sign();
    }

    private static boolean jdkVerify(KeyPair pair, byte[] message, byte[] signature) throws Exception {
        Signature v = Signature.getInstance("Ed25519");
        v.initVerify(pair.getPublic());
        v.update(message);
        try {
            return v.verify(signature);
        } catch (java.security.SignatureException e) {
            return false; // a malformed signature (s too large): refused, as the callers read it
        }
    }

    @Test
    void signsAndVerifiesAsTheJdkDoes() throws Exception {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 20; i++) {
            KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            byte[] message = new byte[random.nextInt(0, 600)];
            random.nextBytes(message);
            byte[] ours = Ed25519.sign(pair.getPrivate(), message);
            assertThat(ours).isEqualTo(jdkSign(pair, message)); // deterministic: the very same bytes
            assertThat(jdkVerify(pair, message, ours)).isTrue();
            assertThat(Ed25519.verify(pair.getPublic(), message, ours)).isTrue();
        }
    }

    @Test
    void refusesWhatTheJdkRefuses() throws Exception {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        KeyPair other = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        byte[] message = "job 1 exited 0".getBytes(StandardCharsets.UTF_8);
        byte[] signature = Ed25519.sign(pair.getPrivate(), message);

        byte[] tampered = message.clone();
        tampered[4] ^= 1;
        assertThat(Ed25519.verify(pair.getPublic(), tampered, signature)).isFalse();
        assertThat(Ed25519.verify(other.getPublic(), message, signature)).isFalse();
        for (int bit : new int[] {0, 100, 511}) {
            byte[] flipped = signature.clone();
            flipped[bit / 8] ^= (byte) (1 << (bit % 8));
            assertThat(Ed25519.verify(pair.getPublic(), message, flipped)).isFalse();
            assertThat(jdkVerify(pair, message, flipped)).isFalse();
        }
        assertThat(Ed25519.verify(pair.getPublic(), message, java.util.Arrays.copyOf(signature, 63))).isFalse();
        assertThat(Ed25519.verify(pair.getPublic(), message, null)).isFalse();
        assertThat(Ed25519.verify(null, message, signature)).isFalse();
    }

    @Test
    void otherKeyTypesAreRefusedByName() throws Exception {
        KeyPair rsa = KeyPairGenerator.getInstance("RSA").generateKeyPair();
        KeyPair ed448 = KeyPairGenerator.getInstance("Ed448").generateKeyPair();
        byte[] message = {1, 2, 3};
        assertThat(Ed25519.verify(rsa.getPublic(), message, new byte[64])).isFalse();
        assertThat(Ed25519.verify(ed448.getPublic(), message, new byte[64])).isFalse();
        assertThatThrownBy(() -> Ed25519.sign(rsa.getPrivate(), message))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an Ed25519 private key: RSA");
        assertThatThrownBy(() -> Ed25519.sign(ed448.getPrivate(), message))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an Ed25519 private key");
    }
}
