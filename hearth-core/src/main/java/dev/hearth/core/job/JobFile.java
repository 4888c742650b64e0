// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.job;

import dev.hearth.core.InvalidInputException;
import java.util.Arrays;
import java.util.Objects;

/**
 * A file delivered into a sandbox before its command starts.
 *
 * @param path absolute path inside the sandbox, without {@code ..} segments
 * @param content the file's bytes (empty for a blob's file: its bytes are fetched by the node)
 * @param mode Unix permission bits, e.g. {@code 0644}, {@code 0755}
 * @param blob the uploaded blob whose bytes the file gets, or null when {@code content} holds them
 */
public record JobFile(String path, byte[] content, int mode, BlobRef blob) {

    /** The accepted form of a path, for error messages. */
    public static final String PATH_FORM = "an absolute path inside the sandbox, such as /job/data.csv, without '..'";

    public JobFile {
        Objects.requireNonNull(content, "content");
        if (blob != null && content.length > 0) {
            throw new IllegalArgumentException("a blob's file carries no content of its own: " + path);
        }
        checkPath("file path", path);
        if (mode < 0 || mode > 07777) {
            throw new IllegalArgumentException("file mode must be within 0..07777, got " + Integer.toOctalString(mode));
        }
    }

    /** A file whose bytes travel in the job's spec. */
    public JobFile(String path, byte[] content, int mode) {
        this(path, content, mode, null);
    }

    /** A file whose bytes are the uploaded blob {@code blob}, fetched by the node that runs the job. */
    public static JobFile ofBlob(String path, BlobRef blob, int mode) {
        return new JobFile(path, new byte[0], mode, Objects.requireNonNull(blob, "blob"));
    }

    /**
     * Checks a sandbox path for the named field.
     *
     * @throws InvalidInputException when it is not absolute, has {@code ..} or empty segments, or a NUL
     */
    public static String checkPath(String field, String path) {
        if (path == null || !path.startsWith("/") || path.endsWith("/") || path.contains("//")
                || path.contains("\0") || Arrays.asList(path.split("/")).contains("..")) {
            throw new InvalidInputException(field, path, PATH_FORM);
        }
        return path;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof JobFile f && f.path.equals(path) && f.mode == mode && Arrays.equals(f.content, content)
                && Objects.equals(f.blob, blob);
    }

    @Override
    public int hashCode() {
        return path.hashCode() * 31 + Arrays.hashCode(content);
    }

    @Override
    public String toString() {
        return "JobFile[" + path + ", " + (blob != null ? blob.digest() + ", " + blob.size() : content.length)
                + " bytes, mode " + Integer.toOctalString(mode) + "]";
    }
}
