// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.job;

import dev.hearth.core.InvalidInputException;
import java.util.regex.Pattern;

/**
 * Checks container image references against the grammar Docker's distribution library accepts:
 * {@code [registry[:port]/]name[/name...][:tag][@algorithm:hex]}, lower-case names.
 */
public final class ImageReference {

    /** The accepted form, for error messages. */
    public static final String FORM = "an image reference such as busybox, hearth/python:3.11 or "
            + "registry.example:5000/team/app:1.0 (lower-case name, optional :tag of [A-Za-z0-9_.-])";

    private static final String COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
    private static final String DOMAIN_PART = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    private static final String DOMAIN = "(?:" + DOMAIN_PART + "(?:\\." + DOMAIN_PART + ")*(?::[0-9]+)?)";
    private static final String TAG = "[\\w][\\w.-]{0,127}";
    private static final String DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
    private static final Pattern REFERENCE = Pattern.compile(
            "(?:" + DOMAIN + "/)?" + COMPONENT + "(?:/" + COMPONENT + ")*(?::" + TAG + ")?(?:@" + DIGEST + ")?");

    private ImageReference() {
    }

    /**
     * Returns {@code reference} when it is well-formed.
     *
     * @throws InvalidInputException naming {@code field} otherwise
     */
    public static String check(String field, String reference) {
        if (reference == null || reference.length() > 255 || !REFERENCE.matcher(reference).matches()) {
            throw new InvalidInputException(field, reference, FORM);
        }
        return reference;
    }

    /** The reference with {@code :latest} added when it names neither a tag nor a digest. */
    public static String withDefaultTag(String reference) {
        int slash = reference.lastIndexOf('/');
        String last = reference.substring(slash + 1);
        return last.contains(":") || last.contains("@") ? reference : reference + ":latest";
    }
}
