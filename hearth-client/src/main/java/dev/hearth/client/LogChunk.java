// SPDX-License-Identifier: Apache-2.0
package dev.hearth.client;

/**
 * A piece of a job's logs ({@code GET /v1/jobs/{id}/logs?offset=N}, offsets in UTF-8 bytes). Immutable.
 *
 * @param text the log from the byte offset asked for
 * @param nextOffset the byte offset to ask for next (the one asked for plus the UTF-8 bytes of {@code text})
 * @param epoch the lease epoch the text was written under (0 when not known): another epoch than before means the
 *     job was placed again and its output started over
 * @param complete whether these are the finished job's logs (nothing more will come)
 */
public record LogChunk(String text, long nextOffset, long epoch, boolean complete) {
}
