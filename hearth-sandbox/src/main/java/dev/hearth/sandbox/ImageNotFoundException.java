// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox;

/** The sandbox's image is not on this host and could not be fetched. */
public final class ImageNotFoundException extends SandboxException {

    private final String image;

    /** With the image reference and a message that says how to provide it. */
    public ImageNotFoundException(String image, String message, Throwable cause) {
        super(message, cause);
        this.image = image;
    }

    /** The image reference that was asked for. */
    public String image() {
        return image;
    }
}
