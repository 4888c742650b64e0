// SPDX-License-Identifier: Apache-2.0
package dev.hearth.client;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/**
 * A client of a Hearth coordinator's API: {@link #jobs()} to submit and follow jobs, {@link #blobs()} to upload
 * inputs. Made by {@link #builder()}; every call carries the bearer token and a deadline, and a refusal is a
 * {@link HearthApiException} with the problem's code and field. A token is never sent over plain HTTP to anything
 * but loopback unless the builder allows it. Thread-safe; {@link #close()} forgets the token.
 *
 * <pre>{@code
 * try (HearthClient hearth = HearthClient.builder().url(URI.create("https://coord:7070")).token(secret).build()) {
 *     Job job = hearth.jobs().submit(JobDocument.builder().command("echo", "hi").build());
 *     JobInfo done = job.waitFor(Duration.ofMinutes(5));
 *     VerifiedReceipt receipt = job.receipt();
 * }
 * }</pre>
 */
public final class HearthClient implements AutoCloseable {

    private final Transport transport;
    private final HttpClient http;
    private final RetryPolicy retries;
    private final Duration transferTimeout;
    private final Duration pollInterval;
    private final InstantSource clock;
    private final Jobs jobs;
    private final Blobs blobs;

    private HearthClient(Builder b) {
        HttpClient.Builder h = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(b.connectTimeout);
        if (b.tls != null) {
            h.sslContext(b.tls);
        }
        this.http = h.build();
        String url = b.url.toString();
        URI base = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
        this.transport = new Transport(base, b.token.clone(), http, b.callTimeout);
        this.retries = b.retries;
        this.transferTimeout = b.transferTimeout;
        this.pollInterval = b.pollInterval;
        this.clock = b.clock;
        this.jobs = new Jobs(this, transport);
        this.blobs = new Blobs(transport, retries, transferTimeout);
    }

    /** A builder; {@link Builder#url} and {@link Builder#token} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The jobs API. */
    public Jobs jobs() {
        return jobs;
    }

    /** The blobs API (job inputs). */
    public Blobs blobs() {
        return blobs;
    }

    /** The coordinator's address. */
    public URI url() {
        return transport.base();
    }

    RetryPolicy retries() {
        return retries;
    }

    Duration transferTimeout() {
        return transferTimeout;
    }

    Duration pollInterval() {
        return pollInterval;
    }

    InstantSource clock() {
        return clock;
    }

    /** Forgets the token and closes the HTTP client; the client cannot be used after. */
    @Override
    public void close() {
        transport.forget();
        http.close();
    }

    /** Whether a URL's host is this machine's loopback: {@code localhost} or a loopback address literal. */
    public static boolean loopback(String host) {
        if (host == null) {
            return false;
        }
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        String literal = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (!literal.matches("[0-9.]+|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*")) {
            return false; // a name: never resolved here, so never trusted as loopback
        }
        try {
            return InetAddress.getByName(literal).isLoopbackAddress(); // a literal: parsed without a lookup
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** Builds a {@link HearthClient}. Not thread-safe. */
    public static final class Builder {
        private URI url;
        private char[] token;
        private SSLContext tls;
        private boolean insecureHttp;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration callTimeout = Duration.ofSeconds(30);
        private Duration transferTimeout = Duration.ofMinutes(10);
        private Duration pollInterval = Duration.ofMillis(500);
        private RetryPolicy retries = RetryPolicy.DEFAULT;
        private InstantSource clock = InstantSource.system();

        private Builder() {
        }

        /** The coordinator, {@code https://host:7070} (or {@code http://} to loopback). */
        public Builder url(URI url) {
            this.url = Objects.requireNonNull(url, "url");
            return this;
        }

        /** The API token (a client, operator or admin key); copied, so the caller may clear its array. */
        public Builder token(char[] token) {
            this.token = Objects.requireNonNull(token, "token").clone();
            return this;
        }

        /** Trust for an {@code https://} coordinator (default: the JDK's CAs). */
        public Builder sslContext(SSLContext tls) {
            this.tls = tls;
            return this;
        }

        /** Allows sending the token over plain HTTP to a host that is not loopback (it travels in the clear). */
        public Builder allowInsecureHttp(boolean allow) {
            this.insecureHttp = allow;
            return this;
        }

        /** The deadline of every call that is not a transfer (default 30 s). */
        public Builder callTimeout(Duration timeout) {
            this.callTimeout = positive("callTimeout", timeout);
            return this;
        }

        /** The deadline of a connection (default 5 s). */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive("connectTimeout", timeout);
            return this;
        }

        /** The deadline of an upload or a download of one file (default 10 min). */
        public Builder transferTimeout(Duration timeout) {
            this.transferTimeout = positive("transferTimeout", timeout);
            return this;
        }

        /** The longest pause between two looks at a job that is waited on (default 500 ms). */
        public Builder pollInterval(Duration interval) {
            this.pollInterval = positive("pollInterval", interval);
            return this;
        }

        /** When create calls are tried again (default {@link RetryPolicy#DEFAULT}). */
        public Builder retries(RetryPolicy policy) {
            this.retries = Objects.requireNonNull(policy, "retries");
            return this;
        }

        /** The clock deadlines are measured on (tests inject one). */
        public Builder clock(InstantSource clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * The client.
         *
         * @throws IllegalArgumentException when the url or token is missing, the url is not http(s), or the token
         *     would go over plain HTTP to a host that is not loopback without {@link #allowInsecureHttp}
         */
        public HearthClient build() {
            if (url == null || url.getHost() == null) {
                throw new IllegalArgumentException("url must be the coordinator's address, e.g. "
                        + "https://coordinator.example:7070; got " + url);
            }
            String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(java.util.Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw new IllegalArgumentException("url must start with https:// (or http:// to loopback); got " + url);
            }
            if (token == null || token.length == 0 || new String(token).isBlank()) {
                throw new IllegalArgumentException("token must be an API key of the coordinator ('hearth token "
                        + "create', or HEARTH_TOKEN)");
            }
            if (scheme.equals("http") && !loopback(url.getHost()) && !insecureHttp) {
                throw new IllegalArgumentException("refusing to send a key over plain HTTP to " + url.getHost()
                        + ": use https:// (the coordinator serves TLS), or allowInsecureHttp(true) to send it in "
                        + "the clear anyway");
            }
            try {
                return new HearthClient(this);
            } finally {
                Arrays.fill(token, '\0');
                token = null;
            }
        }

        private static Duration positive(String name, Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be a positive duration; got " + d);
            }
            return d;
        }
    }
}
