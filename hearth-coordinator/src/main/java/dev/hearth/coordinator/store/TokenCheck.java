// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

/** What {@link Store#authenticateToken} found for a token presented by a node. */
public sealed interface TokenCheck {

    /**
     * The token is good for this key.
     *
     * @param nodeId the node id bound to the token (made now on first use, the same one on every reconnect)
     * @param firstUse whether this presentation bound the token
     */
    record Accepted(String nodeId, boolean firstUse) implements TokenCheck {
    }

    /** No such token. */
    record Unknown() implements TokenCheck {
    }

    /** The token was never used and its time ran out. */
    record Expired() implements TokenCheck {
    }

    /** The token is bound to another node's key. */
    record BoundToOtherKey() implements TokenCheck {
    }
}
