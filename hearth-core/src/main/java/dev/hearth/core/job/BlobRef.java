// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.job;

import dev.hearth.core.InvalidInputException;
import java.util.regex.Pattern;

/**
 * A reference to an input uploaded once to the coordinator ({@code PUT /v1/blobs/{digest}}) and fetched by the
 * node that runs the job: its content digest and its size. Immutable.
 *
 * @param digest {@code sha256:} and 64 lower-case hex digits
 * @param size its length in bytes, 0 or more; {@link #UNKNOWN_SIZE} until the coordinator looked it up
 */
public record BlobRef(String digest, long size) {

    /** The size of a reference a document names before the coordinator looked the blob up. */
    public static final long UNKNOWN_SIZE = -1;
    /** The accepted form of a digest, for error messages. */
    public static final String DIGEST_FORM = "sha256: followed by 64 lower-case hex digits (the SHA-256 of the bytes)";

    private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");

    public BlobRef {
        checkDigest("blob", digest);
        if (size < UNKNOWN_SIZE) {
            throw new IllegalArgumentException("blob size must be 0 or more, got " + size);
        }
    }

    /**
     * Checks a digest for the named field.
     *
     * @throws InvalidInputException when it is not {@link #DIGEST_FORM}
     */
    public static String checkDigest(String field, String digest) {
        if (digest == null || !DIGEST.matcher(digest).matches()) {
            throw new InvalidInputException(field, digest, DIGEST_FORM);
        }
        return digest;
    }

    /** The 64 hex digits of the digest. */
    public String hex() {
        return digest.substring("sha256:".length());
    }
}
