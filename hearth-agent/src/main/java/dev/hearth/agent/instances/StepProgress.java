// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.instances;

import dev.hearth.sandbox.BuildProgress;
import java.time.Duration;

/**
 * Shows the steps of an instance operation (allocate, image, boot, wait, provision, proxy, health) with their
 * times. Called from the operating thread. Extends {@link BuildProgress} so an image build inside a step reports
 * through it.
 */
public interface StepProgress extends BuildProgress {

    /** A step ended after {@code took}. */
    default void stepDone(String name, Duration took) {
    }

    /** A listener that shows nothing. */
    static StepProgress silent() {
        return new StepProgress() {
            @Override
            public void step(String name) {
            }

            @Override
            public void done(String summary) {
            }
        };
    }
}
