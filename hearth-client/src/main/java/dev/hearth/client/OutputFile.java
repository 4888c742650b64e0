// SPDX-License-Identifier: Apache-2.0
package dev.hearth.client;

/**
 * A file the job left in {@code /job/out}, as {@code GET /v1/jobs/{id}/outputs} lists it. Immutable.
 *
 * @param path its path as the coordinator names it (the one to download it by)
 * @param size its size in bytes
 * @param sha256 SHA-256 of its content, lower-case hex
 * @param stored whether the coordinator holds its content (false: only its hash is known, it cannot be downloaded)
 */
public record OutputFile(String path, long size, String sha256, boolean stored) {
}
