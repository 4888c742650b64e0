// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A systemd unit file read as systemd reads the parts Hearth's units use: sections of {@code Key=value} lines
 * (a key may repeat), {@code Environment=} assignments and {@code ExecStart=} words with systemd's quoting, and
 * {@code %%}/{@code $$} as literal {@code %}/{@code $}. For tests: the unit contents, and running a unit's command
 * under a plain supervisor where systemd is not the init.
 */
public record UnitFile(Map<String, List<String>> entries) {

    /** Reads {@code file}. */
    public static UnitFile read(Path file) throws IOException {
        return parse(Files.readString(file));
    }

    /** Parses a unit's text; keys are {@code Section.Key}. */
    public static UnitFile parse(String text) {
        Map<String, List<String>> entries = new LinkedHashMap<>();
        String section = "";
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            if (line.startsWith("[")) {
                section = line.substring(1, line.indexOf(']'));
                continue;
            }
            int eq = line.indexOf('=');
            entries.computeIfAbsent(section + "." + line.substring(0, eq).strip(), k -> new ArrayList<>())
                    .add(line.substring(eq + 1).strip());
        }
        return new UnitFile(entries);
    }

    /** Every value of {@code Section.Key}, in order. */
    public List<String> all(String key) {
        return entries.getOrDefault(key, List.of());
    }

    /** The last value of {@code Section.Key} (systemd's rule for single-valued keys), or null. */
    public String get(String key) {
        List<String> v = all(key);
        return v.isEmpty() ? null : v.get(v.size() - 1);
    }

    /** The {@code Environment=} assignments of {@code [Service]}. */
    public Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        for (String line : all("Service.Environment")) {
            for (String assignment : words(line)) {
                int eq = assignment.indexOf('=');
                env.put(assignment.substring(0, eq), assignment.substring(eq + 1));
            }
        }
        return env;
    }

    /** {@code ExecStart=}'s words as written: variables ({@code ${X}}, {@code $X}) left for the caller. */
    public List<String> execStart() {
        return words(get("Service.ExecStart"));
    }

    /**
     * The command systemd would run for {@code ExecStart=}, given the service's environment: {@code ${X}} replaced
     * in place, a word that is just {@code $X} split into the words of X's value (nothing where unset).
     */
    public List<String> command(Map<String, String> env) {
        List<String> out = new ArrayList<>();
        for (String word : execStart()) {
            if (word.matches("\\$[A-Za-z_][A-Za-z0-9_]*")) {
                String value = env.getOrDefault(word.substring(1), "").strip();
                if (!value.isEmpty()) {
                    out.addAll(List.of(value.split("\\s+")));
                }
                continue;
            }
            StringBuilder b = new StringBuilder();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}|\\$\\$")
                    .matcher(word);
            while (m.find()) {
                m.appendReplacement(b, java.util.regex.Matcher.quoteReplacement(m.group(1) == null ? "$"
                        : env.getOrDefault(m.group(1), "")));
            }
            m.appendTail(b);
            out.add(b.toString());
        }
        return out;
    }

    /** Splits a value into words: double-quoted words with backslash escapes, then specifiers. */
    static List<String> words(String value) {
        List<String> words = new ArrayList<>();
        StringBuilder w = null;
        boolean quoted = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (quoted) {
                if (c == '\\') {
                    w.append(value.charAt(++i));
                } else if (c == '"') {
                    quoted = false;
                } else {
                    w.append(c);
                }
            } else if (Character.isWhitespace(c)) {
                if (w != null) {
                    words.add(w.toString());
                    w = null;
                }
            } else {
                if (w == null) {
                    w = new StringBuilder();
                }
                if (c == '"') {
                    quoted = true;
                } else {
                    w.append(c);
                }
            }
        }
        if (w != null) {
            words.add(w.toString());
        }
        return words.stream().map(UnitFile::specifiers).toList();
    }

    /** {@code %%} is a literal {@code %}; any other {@code %X} is a specifier systemd would expand: marked. */
    private static String specifiers(String word) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < word.length(); i++) {
            char c = word.charAt(i);
            if (c == '%' && i + 1 < word.length()) {
                char next = word.charAt(++i);
                b.append(next == '%' ? "%" : "<specifier %" + next + ">");
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
