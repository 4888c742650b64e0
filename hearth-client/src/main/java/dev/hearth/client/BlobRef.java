// SPDX-License-Identifier: Apache-2.0
package dev.hearth.client;

/**
 * Content the coordinator holds, by its digest: what a job document's {@code files[].blob} names. Immutable.
 *
 * @param digest {@code sha256:} and the SHA-256 of the content, lower-case hex
 * @param size its size in bytes
 */
public record BlobRef(String digest, long size) {
}
