// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Node tokens: hashed at rest, bound to a key at first use, reusable by that key, expiring only unused. */
interface TokenContract extends StoreFixture {

    @Test
    @DisplayName("a created token is hnt_ and 32 random bytes in base64url, and only its SHA-256 is kept")
    default void tokenShapeAndHash() throws Exception {
        IssuedToken issued = store().createToken("rack 4", Duration.ofHours(1));

        assertThat(issued.plaintext()).matches("hnt_[A-Za-z0-9_-]{43}");
        String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(issued.plaintext().getBytes(StandardCharsets.UTF_8)));
        assertThat(store().tokens()).singleElement().satisfies(t -> {
            assertThat(t).isEqualTo(issued.record());
            assertThat(t.tokenHash()).isEqualTo(sha256);
            assertThat(t.toString()).doesNotContain(issued.plaintext());
            assertThat(t.label()).isEqualTo("rack 4");
            assertThat(t.expiresAt()).isEqualTo(t.createdAt().plus(Duration.ofHours(1)));
            assertThat(t.isBound()).isFalse();
        });
        assertThat(issued.toString()).doesNotContain(issued.plaintext());
    }

    @Test
    @DisplayName("the first use binds the token to the node's key and makes the node id")
    default void firstUseBinds() {
        IssuedToken issued = store().createToken("n", null);

        TokenCheck check = store().authenticateToken(issued.plaintext(), "key-a");

        assertThat(check).isInstanceOfSatisfying(TokenCheck.Accepted.class, a -> {
            assertThat(a.firstUse()).isTrue();
            assertThat(a.nodeId()).matches("[0-9a-f-]{36}");
            assertThat(store().tokens()).singleElement().satisfies(t -> {
                assertThat(t.boundNodeKey()).isEqualTo("key-a");
                assertThat(t.boundNodeId()).isEqualTo(a.nodeId());
            });
        });
    }

    @Test
    @DisplayName("a node reconnecting with the same key gets the same node id")
    default void reconnectSameKey() {
        IssuedToken issued = store().createToken("n", null);
        var first = (TokenCheck.Accepted) store().authenticateToken(issued.plaintext(), "key-a");

        TokenCheck again = store().authenticateToken(issued.plaintext(), "key-a");

        assertThat(again).isEqualTo(new TokenCheck.Accepted(first.nodeId(), false));
    }

    @Test
    @DisplayName("a bound token presented with another key is refused")
    default void otherKeyRefused() {
        IssuedToken issued = store().createToken("n", null);
        store().authenticateToken(issued.plaintext(), "key-a");

        assertThat(store().authenticateToken(issued.plaintext(), "key-b")).isEqualTo(new TokenCheck.BoundToOtherKey());
    }

    @Test
    @DisplayName("an unknown token is refused, whatever its shape")
    default void unknownRefused() {
        IssuedToken issued = store().createToken("n", null);

        assertThat(store().authenticateToken(issued.plaintext() + "x", "k")).isEqualTo(new TokenCheck.Unknown());
        assertThat(store().authenticateToken("hnt_AAAA", "k")).isEqualTo(new TokenCheck.Unknown());
        assertThat(store().authenticateToken("", "k")).isEqualTo(new TokenCheck.Unknown());
    }

    @Test
    @DisplayName("an unused token works until its ttl and is refused as expired from then on")
    default void unusedTokenExpires() {
        IssuedToken early = store().createToken("early", Duration.ofHours(1));
        IssuedToken late = store().createToken("late", Duration.ofHours(1));

        clock().advance(Duration.ofMinutes(59));
        assertThat(store().authenticateToken(early.plaintext(), "k1")).isInstanceOf(TokenCheck.Accepted.class);
        clock().advance(Duration.ofMinutes(1));
        assertThat(store().authenticateToken(late.plaintext(), "k2")).isEqualTo(new TokenCheck.Expired());
    }

    @Test
    @DisplayName("a used token never expires, and a token without ttl neither")
    default void usedTokenDoesNotExpire() {
        IssuedToken used = store().createToken("used", Duration.ofHours(1));
        IssuedToken forever = store().createToken("forever", null);
        var bound = (TokenCheck.Accepted) store().authenticateToken(used.plaintext(), "key-a");

        clock().advance(Duration.ofDays(400));

        assertThat(store().authenticateToken(used.plaintext(), "key-a"))
                .isEqualTo(new TokenCheck.Accepted(bound.nodeId(), false));
        assertThat(store().authenticateToken(forever.plaintext(), "key-b")).isInstanceOf(TokenCheck.Accepted.class);
    }

    @Test
    @DisplayName("a ttl of zero or less is refused, naming the value")
    default void badTtl() {
        assertThatThrownBy(() -> store().createToken("n", Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT0S");
    }
}
