// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox;

/** Receives the steps of a long image build, to show them to a person. Called from the building thread. */
public interface BuildProgress {

    /** A step begins, e.g. "assemble root filesystem". */
    void step(String name);

    /** A line of detail within the current step (a tool's output). */
    default void detail(String line) {
    }

    /** The build is finished; {@code summary} says what was made or reused. */
    void done(String summary);

    /** A listener that shows nothing. */
    static BuildProgress silent() {
        return new BuildProgress() {
            @Override
            public void step(String name) {
            }

            @Override
            public void done(String summary) {
            }
        };
    }
}
