// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.protocol;

import java.util.List;

/**
 * Sent by the coordinator as soon as an agent connects: a fresh nonce a Hearth agent signs in its register, and the
 * protocols spoken. v2.0 agents ignore it and register at once.
 *
 * @param nonce random, base64url, single use
 * @param protocols protocols the coordinator accepts
 */
public record Hello(String nonce, List<String> protocols) implements CoordinatorMessage {
}
