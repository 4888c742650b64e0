// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.dashboard;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The dashboard's browser sessions, in memory only: a login exchanges an API key for a random session id (sent back as
 * an HttpOnly, SameSite=Strict cookie) and a CSRF token (returned in the login answer, sent back by the page in a
 * header on every state-changing request). The key stays in the coordinator's memory, never in the browser after the
 * login, and is authenticated afresh on every request, so revoking it ends its sessions at once. Sessions expire
 * {@link #LIFETIME} after the login; at most {@link #MAX_PER_KEY} are held for one key (its oldest goes first, so one
 * caller logging in again and again pushes out only its own) and {@link #MAX_SESSIONS} in all (the oldest goes
 * first). A restart ends them all. Thread-safe.
 */
public final class DashboardSessions {

    /** The cookie that carries the session id. */
    public static final String COOKIE = "hearth_session";
    /** The request header that carries the CSRF token of a cookie-authenticated state-changing request. */
    public static final String CSRF_HEADER = "X-Hearth-CSRF";
    /** How long a session lasts after its login. */
    public static final Duration LIFETIME = Duration.ofHours(8);
    /** The most sessions held at once. */
    static final int MAX_SESSIONS = 10_000;
    /** The most sessions held at once for one key. */
    static final int MAX_PER_KEY = 16;

    /**
     * One logged-in browser.
     *
     * @param key the API key it logged in with (memory only; never logged, never sent back)
     * @param csrf the token a state-changing request must carry in {@link #CSRF_HEADER}
     * @param expiresAt when it ends
     */
    public record Session(String key, String csrf, Instant expiresAt) {

        /** Checks the fields. */
        public Session {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(csrf, "csrf");
            Objects.requireNonNull(expiresAt, "expiresAt");
        }

        /** Whether {@code token} is this session's CSRF token (compared in constant time). */
        public boolean csrfMatches(String token) {
            return token != null && MessageDigest.isEqual(csrf.getBytes(StandardCharsets.UTF_8),
                    token.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String toString() {
            return "Session[expiresAt=" + expiresAt + "]"; // the key and token stay out of every log line
        }
    }

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final InstantSource clock;
    private final SecureRandom random = new SecureRandom();

    /** Sessions timed by {@code clock}. */
    public DashboardSessions(InstantSource clock) {
        this.clock = clock;
    }

    /** Opens a session for an already authenticated {@code key}; returns its id (for the cookie) and the session. */
    public synchronized Map.Entry<String, Session> open(String key) {
        List<Map.Entry<String, Session>> own = sessions.entrySet().stream()
                .filter(e -> e.getValue().key().equals(key))
                .sorted(Comparator.comparing(e -> e.getValue().expiresAt())).toList();
        for (int i = 0; i <= own.size() - MAX_PER_KEY; i++) {
            sessions.remove(own.get(i).getKey());
        }
        if (sessions.size() >= MAX_SESSIONS) {
            sessions.entrySet().stream().min(Comparator.comparing(e -> e.getValue().expiresAt()))
                    .ifPresent(e -> sessions.remove(e.getKey()));
        }
        String id = token();
        Session s = new Session(key, token(), clock.instant().plus(LIFETIME));
        sessions.put(id, s);
        return Map.entry(id, s);
    }

    /** The live session of a cookie value, if any; an expired one is dropped. */
    public Optional<Session> find(String id) {
        if (id == null) {
            return Optional.empty();
        }
        Session s = sessions.get(id);
        if (s != null && !clock.instant().isBefore(s.expiresAt())) {
            sessions.remove(id, s);
            return Optional.empty();
        }
        return Optional.ofNullable(s);
    }

    /** Ends a session (logout); nothing happens for an unknown id. */
    public void close(String id) {
        if (id != null) {
            sessions.remove(id);
        }
    }

    /** The session id in a {@code Cookie} header, if it carries one. */
    public static Optional<String> cookie(Optional<String> header) {
        return header.stream().flatMap(h -> java.util.Arrays.stream(h.split(";")))
                .map(String::strip).filter(c -> c.startsWith(COOKIE + "="))
                .map(c -> c.substring(COOKIE.length() + 1)).filter(v -> !v.isEmpty()).findFirst();
    }

    private String token() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
