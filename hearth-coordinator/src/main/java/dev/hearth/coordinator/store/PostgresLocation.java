// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where a PostgreSQL store lives: {@code postgresql://HOST[:PORT]/DATABASE?user=NAME[&sslmode=...]}, as given to
 * {@code hearth coordinator --db} or {@code HEARTH_DB_URL}. The password is never part of it: it comes from
 * {@code HEARTH_DB_PASSWORD} or a password file, so it stays out of the process list, the logs and this value's
 * {@link #toString()}.
 *
 * @param host the server's host name or address
 * @param port its TCP port (5432 when the URL names none)
 * @param database the database
 * @param user the role to log in as
 * @param options further driver options from the query (sslmode, sslrootcert, ...), in order
 */
public record PostgresLocation(String host, int port, String database, String user, Map<String, String> options) {

    /** The form {@link #parse} accepts, for error messages. */
    public static final String FORM = "postgresql://HOST[:PORT]/DATABASE?user=NAME[&sslmode=verify-full&...]";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,63}");

    /** Checks every part; copies the options. */
    public PostgresLocation {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("--db host must not be blank; accepted form: " + FORM);
        }
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("--db port must be 1 to 65535, got " + port + "; accepted form: " + FORM);
        }
        if (database == null || !NAME.matcher(database).matches()) {
            throw new IllegalArgumentException("--db database name must match " + NAME + ", got '" + database
                    + "'; accepted form: " + FORM);
        }
        if (user == null || !NAME.matcher(user).matches()) {
            throw new IllegalArgumentException("--db user (the user= parameter) must match " + NAME + ", got '"
                    + user + "'; accepted form: " + FORM);
        }
        options = Map.copyOf(options);
        for (String key : options.keySet()) {
            if (key.equalsIgnoreCase("password")) {
                throw new IllegalArgumentException("--db must not carry a password; give it in HEARTH_DB_PASSWORD "
                        + "or --db-password-file");
            }
            if (key.equalsIgnoreCase("user")) {
                throw new IllegalArgumentException("--db options must not repeat the user; accepted form: " + FORM);
            }
        }
    }

    /**
     * Reads a location.
     *
     * @throws IllegalArgumentException naming the part that is wrong and the accepted form; a password in the URL
     *     (user:password@ or password=) is refused without repeating it
     */
    public static PostgresLocation parse(String url) {
        Objects.requireNonNull(url, "url");
        String text = url.startsWith("jdbc:") ? url.substring(5) : url;
        if (!text.startsWith("postgresql://") && !text.startsWith("postgres://")) {
            throw new IllegalArgumentException("--db must start with postgresql://; accepted form: " + FORM);
        }
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            // the message quotes the input, which may hold a password: say where only
            throw new IllegalArgumentException("--db is not a URL (at character " + e.getIndex()
                    + "); accepted form: " + FORM);
        }
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("--db must not carry a user or password before the host; give the "
                    + "user as ?user=NAME and the password in HEARTH_DB_PASSWORD or --db-password-file");
        }
        Map<String, String> query = query(uri.getRawQuery());
        if (query.keySet().stream().anyMatch(k -> k.equalsIgnoreCase("password"))) {
            throw new IllegalArgumentException("--db must not carry a password; give it in HEARTH_DB_PASSWORD or "
                    + "--db-password-file");
        }
        String user = query.remove("user");
        String path = uri.getPath() == null ? "" : uri.getPath();
        return new PostgresLocation(uri.getHost() == null ? "" : uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort(),
                path.startsWith("/") ? path.substring(1) : path, user, query);
    }

    /** The JDBC URL: the same location, with the user and options, and still no password. */
    public String jdbcUrl() {
        StringBuilder url = new StringBuilder("jdbc:postgresql://").append(host.contains(":") ? "[" + host + "]" : host)
                .append(':').append(port).append('/').append(database);
        options.forEach((k, v) -> url.append(url.indexOf("?") < 0 ? '?' : '&').append(encode(k)).append('=')
                .append(encode(v)));
        return url.toString();
    }

    /** {@code postgresql://host:port/database?user=...}: safe to log, it holds no secret. */
    @Override
    public String toString() {
        return "postgresql://" + host + ":" + port + "/" + database + "?user=" + user;
    }

    private static String encode(String text) {
        return java.net.URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--db parameter '" + (eq < 0 ? pair : "") + "' must be NAME=VALUE; "
                        + "accepted form: " + FORM);
            }
            out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                    URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return out;
    }
}
