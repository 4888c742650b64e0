// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.proxy;

/**
 * A snapshot of a {@link LoopbackProxy}'s counters, all since it started.
 *
 * @param accepted client connections accepted
 * @param active connections open now
 * @param failed connections closed because the target could not be reached
 * @param bytesToTarget bytes copied from clients to the target
 * @param bytesFromTarget bytes copied from the target to clients
 */
public record ProxyMetrics(long accepted, long active, long failed, long bytesToTarget, long bytesFromTarget) {
}
