// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.instances;

/** The steps of {@code hearth instance create}, in order, as the progress display and errors name them. */
public enum CreateStep {
    ALLOCATE("allocate"),
    IMAGE("disk/image"),
    BOOT("boot"),
    WAIT("wait"),
    PROVISION("provision"),
    PROXY("proxy"),
    HEALTH("health");

    private final String label;

    CreateStep(String label) {
        this.label = label;
    }

    /** The step's name as shown. */
    public String label() {
        return label;
    }
}
