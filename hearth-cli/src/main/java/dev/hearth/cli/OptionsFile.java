// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.hearth.core.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * A TOML file of a command's options: each key is a long flag without its dashes ({@code listen = "0.0.0.0:7070"}
 * for {@code --listen}), each value what the flag takes (a repeatable flag takes an array). Flags given on the
 * command line win over the file; keys the command does not know, and values of the wrong kind, are refused naming
 * the key, the file and the accepted form. Relative paths are read from the file's folder. TOML rather than YAML:
 * its values are typed as written, so {@code off} or {@code no} never turn into a boolean behind the user's back.
 *
 * <p>Not thread-safe; read once at start.
 */
final class OptionsFile {

    /** Flags no file may set: they say what to do, not how to run. */
    private static final Set<String> NOT_KEYS = Set.of("help", "version", "config");

    private static final TomlMapper TOML = TomlMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();

    private final Path file;
    private final Map<String, JsonNode> values;

    private OptionsFile(Path file, Map<String, JsonNode> values) {
        this.file = file;
        this.values = values;
    }

    /**
     * Reads {@code file}.
     *
     * @throws InvalidInputException naming {@code flag} when the file cannot be read or is not valid TOML
     */
    static OptionsFile read(String flag, Path file) {
        JsonNode root;
        try {
            root = TOML.readTree(Files.readString(file));
        } catch (JsonProcessingException e) {
            throw new InvalidInputException(flag, file.toString(), "a TOML file of 'key = value' lines ("
                    + e.getOriginalMessage() + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr())
                    + ")");
        } catch (IOException e) {
            throw new InvalidInputException(flag, file.toString(), "a readable TOML file (" + e + ")");
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return new OptionsFile(file, Map.of());
        }
        if (!root.isObject()) {
            throw new InvalidInputException(flag, file.toString(), "a TOML file of 'key = value' lines, such as "
                    + "'listen = \"127.0.0.1:7070\"'");
        }
        Map<String, JsonNode> values = new LinkedHashMap<>();
        root.properties().forEach(e -> values.put(e.getKey(), e.getValue()));
        return new OptionsFile(file, values);
    }

    /** The keys a file may hold for {@code spec}: its long flags without dashes, less help, version and config. */
    static List<String> keys(CommandSpec spec) {
        List<String> keys = new ArrayList<>();
        for (OptionSpec o : spec.options()) {
            if (!o.inherited() && !NOT_KEYS.contains(key(o))) {
                keys.add(key(o));
            }
        }
        return keys;
    }

    private static String key(OptionSpec o) {
        return o.longestName().replaceFirst("^-+", "");
    }

    /**
     * Sets each option of {@code spec} that the command line did not give to the file's value for it.
     *
     * @throws InvalidInputException naming the key and this file for an unknown key or a value of the wrong kind
     */
    void applyTo(CommandSpec spec, ParseResult given) {
        List<String> known = keys(spec);
        for (Map.Entry<String, JsonNode> e : values.entrySet()) {
            if (!known.contains(e.getKey())) {
                throw new InvalidInputException(where(e.getKey()), null, "a known key; this file's keys are the flags "
                        + "of the command without their dashes: " + String.join(", ", known));
            }
        }
        for (OptionSpec o : spec.options()) {
            JsonNode value = values.get(key(o));
            if (value != null && known.contains(key(o)) && !given.hasMatchedOption(o)) {
                o.setValue(convert(o, value));
            }
        }
    }

    /** True when the file holds {@code key} and the command line did not override it. */
    boolean supplied(CommandSpec spec, ParseResult given, String flag) {
        OptionSpec o = spec.findOption(flag);
        return o != null && values.containsKey(key(o)) && !given.hasMatchedOption(o);
    }

    /** How an error about flag {@code flag} names the key in this file. */
    String where(String key) {
        return key.replaceFirst("^-+", "") + " (in " + file + ")";
    }

    private Object convert(OptionSpec o, JsonNode value) {
        String key = key(o);
        Class<?> type = o.type();
        if (value.isNull()) {
            throw new InvalidInputException(where(key), null, "a value after '" + key + " =' (or leave the key out)");
        }
        if (o.isMultiValue()) {
            List<String> list = new ArrayList<>();
            if (value.isArray()) {
                value.forEach(v -> list.add(scalar(key, o, v)));
            } else {
                list.add(scalar(key, o, value));
            }
            return list;
        }
        if (type == boolean.class || type == Boolean.class) {
            if (!value.isBoolean()) {
                throw new InvalidInputException(where(key), value.asText(), "true or false");
            }
            return value.booleanValue();
        }
        if (type == int.class || type == Integer.class) {
            if (!value.isIntegralNumber() || !value.canConvertToInt()) {
                throw new InvalidInputException(where(key), value.asText(), "a whole number such as "
                        + (o.defaultValue() != null ? o.defaultValue() : "8"));
            }
            return value.intValue();
        }
        if (type == long.class || type == Long.class) {
            if (!value.isIntegralNumber() || !value.canConvertToLong()) {
                throw new InvalidInputException(where(key), value.asText(), "a whole number such as "
                        + (o.defaultValue() != null ? o.defaultValue() : "8"));
            }
            return value.longValue();
        }
        String text = scalar(key, o, value);
        if (type == Path.class) {
            return file.toAbsolutePath().getParent().resolve(text);
        }
        if (type == String.class) {
            return text;
        }
        throw new IllegalStateException("option " + o.longestName() + " has type " + type.getName()
                + ", which a config file cannot set yet: teach OptionsFile.convert");
    }

    private String scalar(String key, OptionSpec o, JsonNode v) {
        if (!v.isValueNode() || v.isNull()) {
            throw new InvalidInputException(where(key), v.toString(), "a single value of the form " + o.paramLabel()
                    + (o.isMultiValue() ? ", or an array of them" : ""));
        }
        // 0.000001 stays as written, not 1.0E-6
        return v.isFloatingPointNumber() ? v.decimalValue().toPlainString() : v.asText();
    }
}
