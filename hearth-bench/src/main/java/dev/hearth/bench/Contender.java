// SPDX-License-Identifier: Apache-2.0
package dev.hearth.bench;

/** One way of running the benchmark's trivial job, timed from outside by the caller. */
interface Contender {

    /** Short name for progress lines, e.g. {@code hearth}. */
    String name();

    /**
     * Runs the job once and returns when it has finished and been cleaned up.
     *
     * @throws BenchmarkException when the job did not run to a successful end; the figures would be meaningless
     */
    void runOnce() throws BenchmarkException, InterruptedException;
}
