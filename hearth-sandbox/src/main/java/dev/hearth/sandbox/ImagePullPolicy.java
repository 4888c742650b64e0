// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox;

/** When a driver fetches a sandbox's image from its registry. */
public enum ImagePullPolicy {
    /** Pull only when the image is not on the host (the default). */
    MISSING,
    /** Never pull: a missing image is an error at once. */
    NEVER,
    /** Pull every time, to pick up a moved tag. */
    ALWAYS
}
