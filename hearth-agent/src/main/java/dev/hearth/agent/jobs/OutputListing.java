// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.jobs;

import dev.hearth.core.receipt.OutputFile;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

/**
 * The output files a receipt names, bounded so that no workload can make its result larger than the coordinator
 * accepts (a result over the frame cap would be refused, and the job's node paid nothing). A path longer than
 * {@link #MAX_PATH_CHARS} is named by the SHA-256 of its text under {@link #LONG_PATH_DIR}; past {@link #MAX_FILES}
 * entries or {@link #MAX_LISTING_CHARS} of encoded listing, the remaining files are left out and stand as one
 * marker entry under {@link #OMITTED_DIR} whose path says how many were left out, whose {@code bytes} is their size
 * in all and whose {@code sha256} is the hash of their listing. Every rule is deterministic, so two copies of a job
 * that wrote the same files list the same entries. Stateless and thread-safe.
 */
public final class OutputListing {

    /** The longest path named as it is; longer ones are named by their hash. */
    public static final int MAX_PATH_CHARS = 240;
    /** The most entries named, the marker aside. */
    public static final int MAX_FILES = 1000;
    /** The most characters the entries may take in the receipt's canonical JSON, the marker aside. */
    public static final int MAX_LISTING_CHARS = 256 * 1024;
    /** Where paths over {@link #MAX_PATH_CHARS} are named: {@code LONG_PATH_DIR + "sha256-" + hex}. */
    public static final String LONG_PATH_DIR = "/job/out/.hearth-long-path/";
    /** Where the marker of left-out files is named: {@code OMITTED_DIR + count + "-files"}. */
    public static final String OMITTED_DIR = "/job/out/.hearth-omitted/";

    private OutputListing() {
    }

    /** The files as a receipt names them, within the limits above; the input is not changed. */
    public static List<OutputFile> bounded(List<OutputFile> files) {
        List<OutputFile> named = files.stream().map(OutputListing::shortPath)
                .sorted(Comparator.comparing(OutputFile::path)).toList();
        List<OutputFile> kept = new ArrayList<>();
        long chars = 0;
        int i = 0;
        for (; i < named.size() && kept.size() < MAX_FILES; i++) {
            long size = encodedChars(named.get(i));
            if (chars + size > MAX_LISTING_CHARS) {
                break;
            }
            chars += size;
            kept.add(named.get(i));
        }
        if (i < named.size()) {
            kept.add(omitted(named.subList(i, named.size())));
        }
        return List.copyOf(kept);
    }

    private static OutputFile shortPath(OutputFile f) {
        if (f.path() == null || f.path().length() <= MAX_PATH_CHARS) {
            return f;
        }
        return new OutputFile(LONG_PATH_DIR + "sha256-" + sha256(f.path()), f.bytes(), f.sha256());
    }

    private static OutputFile omitted(List<OutputFile> left) {
        StringBuilder listing = new StringBuilder();
        long bytes = 0;
        for (OutputFile f : left) {
            listing.append(f.path()).append('\0').append(f.bytes()).append('\0').append(f.sha256()).append('\n');
            bytes += f.bytes();
        }
        return new OutputFile(OMITTED_DIR + left.size() + "-files", bytes, sha256(listing.toString()));
    }

    /** An upper bound of the entry's canonical JSON: keys and number, and each text as escaped. */
    private static long encodedChars(OutputFile f) {
        return 64L + escapedChars(f.path()) + escapedChars(f.sha256());
    }

    /** Printable ASCII is one character (a quote or backslash two); anything else at most a six-character escape. */
    private static long escapedChars(String s) {
        if (s == null) {
            return 4;
        }
        long n = 2;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            n += c == '"' || c == '\\' ? 2 : c >= 0x20 && c < 0x7f ? 1 : 6;
        }
        return n;
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
