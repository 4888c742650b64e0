// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What part of its role's rights an API key keeps. A key with no scopes has its role's full rights; a key with
 * scopes may call only the operations whose scope it carries, and only where its role already may (scopes narrow,
 * never widen). Which operation needs which scope is derived in {@code AccessRules#scope}.
 */
public enum Scope {
    /** GET job routes: list, status, logs, receipt. */
    JOBS_READ("jobs:read"),
    /** Submit and cancel jobs. */
    JOBS_WRITE("jobs:write"),
    /** List instances and read instance requests. */
    INSTANCES_READ("instances:read"),
    /** Create, act on and destroy instances. */
    INSTANCES_WRITE("instances:write"),
    /** List and read nodes. */
    NODES_READ("nodes:read"),
    /** Read ledger accounts and transfers. */
    LEDGER_READ("ledger:read"),
    /** Every admin-only operation (clients, keys, tokens, audit, node management, deposits, export). */
    ADMIN("admin:*");

    /** The accepted names, for error messages. */
    public static final String ACCEPTED = Arrays.stream(values()).map(Scope::wireName)
            .collect(Collectors.joining(", "));

    private final String wireName;

    Scope(String wireName) {
        this.wireName = wireName;
    }

    /** The form the API, CLI and store use, e.g. {@code jobs:read}. */
    public String wireName() {
        return wireName;
    }

    /**
     * The scope a text names.
     *
     * @throws IllegalArgumentException naming the accepted forms
     */
    public static Scope parse(String text) {
        for (Scope s : values()) {
            if (s.wireName.equals(text)) {
                return s;
            }
        }
        throw new IllegalArgumentException("scope '" + text + "' is invalid: one of " + ACCEPTED);
    }

    /** The scopes of a space-separated list (as stored); empty text is no scopes. */
    public static Set<Scope> parseAll(String text) {
        Set<Scope> out = EnumSet.noneOf(Scope.class);
        for (String part : text.strip().split("\\s+")) {
            if (!part.isEmpty()) {
                out.add(parse(part.toLowerCase(Locale.ROOT)));
            }
        }
        return out;
    }

    /** The space-separated list of {@code scopes}, in declaration order (as stored). */
    public static String format(Set<Scope> scopes) {
        return scopes.stream().sorted().map(Scope::wireName).collect(Collectors.joining(" "));
    }
}
