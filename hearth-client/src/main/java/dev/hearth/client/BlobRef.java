// SPDX-License-Identifier: Apache-2.0
package dev.hearth.client;

/**
 * Content the coordinator holds, by its digest: what a job document's {@code files[].blob} names. Immutable.
 *
 * @param digest {@code sha256:} and the SHA-256 of the content, lower-case hex
 * @param size its size in bytes
 * @param sent whether this upload sent the bytes (false: the coordinator already held them)
 */
public record BlobRef(String digest, long size, boolean sent) {
}
