// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox;

/**
 * The outcome of a command run inside a running sandbox.
 *
 * @param exitCode its exit code, or -1 when it did not finish within its timeout
 * @param stdout its standard output, UTF-8
 * @param stderr its standard error, UTF-8
 */
public record ExecResult(long exitCode, String stdout, String stderr) {
}
