// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.proof;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Serialises values exactly as Python's {@code json.dumps(value, sort_keys=True)} does with its other defaults:
 * separators {@code ", "} and {@code ": "}, keys sorted by code point, every character outside printable ASCII
 * escaped as {@code \\uXXXX} (lower-case hex, surrogate pairs above U+FFFF).
 *
 * <p>The Hypernode protocol hashes such text, so byte-for-byte agreement with Python matters. Accepts maps with
 * string keys, lists, strings, booleans, {@code null} and integral numbers; floats are refused because Python's
 * float repr is not reproduced here. Stateless and thread-safe.
 */
public final class PythonJson {

    private PythonJson() {
    }

    /** Python's default separators, as the Hypernode hashes use them. */
    private static final Separators SPACED = new Separators(", ", ": ");
    /** Python's {@code separators=(",", ":")}: no whitespace at all, as receipts use it. */
    private static final Separators COMPACT = new Separators(",", ":");

    private record Separators(String item, String key) {
    }

    /** Returns the JSON text of {@code value}, as {@code json.dumps(value, sort_keys=True)} writes it. */
    public static String dumps(Object value) {
        StringBuilder out = new StringBuilder();
        write(out, value, SPACED);
        return out.toString();
    }

    /**
     * Returns the JSON text of {@code value} without whitespace, as
     * {@code json.dumps(value, sort_keys=True, separators=(",", ":"))} writes it. The text is ASCII only (every other
     * character is escaped), so its UTF-8 bytes are its characters.
     */
    public static String dumpsCompact(Object value) {
        StringBuilder out = new StringBuilder();
        write(out, value, COMPACT);
        return out.toString();
    }

    private static void write(StringBuilder out, Object value, Separators sep) {
        switch (value) {
            case null -> out.append("null");
            case String s -> writeString(out, s);
            case Boolean b -> out.append(b ? "true" : "false");
            case Integer i -> out.append(i.longValue());
            case Long l -> out.append(l.longValue());
            case Short s -> out.append(s.longValue());
            case java.math.BigInteger big -> out.append(big);
            case Map<?, ?> map -> writeObject(out, map, sep);
            case List<?> list -> writeArray(out, list, sep);
            default -> throw new IllegalArgumentException(
                    "cannot serialise " + value.getClass().getName() + " as Python-compatible JSON");
        }
    }

    private static void writeObject(StringBuilder out, Map<?, ?> map, Separators sep) {
        List<String> keys = new ArrayList<>();
        for (Object key : map.keySet()) {
            if (!(key instanceof String s)) {
                throw new IllegalArgumentException("JSON object keys must be strings, got " + key);
            }
            keys.add(s);
        }
        keys.sort(PythonJson::compareCodePoints);
        out.append('{');
        for (int i = 0; i < keys.size(); i++) {
            if (i > 0) {
                out.append(sep.item());
            }
            writeString(out, keys.get(i));
            out.append(sep.key());
            write(out, map.get(keys.get(i)), sep);
        }
        out.append('}');
    }

    private static void writeArray(StringBuilder out, List<?> list, Separators sep) {
        out.append('[');
        for (int i = 0; i < list.size(); i++) {
            if (i > 0) {
                out.append(sep.item());
            }
            write(out, list.get(i), sep);
        }
        out.append(']');
    }

    /** Python sorts str keys by code point; Java's compareTo sorts by UTF-16 unit, which differs above U+FFFF. */
    static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    private static void writeString(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c >= 0x20 && c <= 0x7e) {
                        out.append(c);
                    } else {
                        // UTF-16 units are exactly the \\u escapes Python writes, surrogate pairs included.
                        out.append(String.format("\\u%04x", (int) c));
                    }
                }
            }
        }
        out.append('"');
    }
}
