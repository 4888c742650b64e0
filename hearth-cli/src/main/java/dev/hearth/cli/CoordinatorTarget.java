// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import dev.hearth.agent.link.CoordinatorLink;
import dev.hearth.client.HearthClient;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The coordinator a CLI command talks to and the key it shows: the address from the flag, HEARTH_COORDINATOR, else
 * {@value CoordinatorClient#DEFAULT_URL}; the key from HEARTH_TOKEN, else the admin token file of the local
 * coordinator. A key goes over plain HTTP to loopback only, unless HEARTH_INSECURE_HTTP=1. Immutable.
 *
 * @param base the coordinator's address, without a trailing slash
 * @param token the API key
 */
record CoordinatorTarget(URI base, String token) {

    /** The target of a command, from its flag and environment. */
    static CoordinatorTarget from(String flag, Map<String, String> env) throws IOException {
        String url = flag != null ? flag : env.getOrDefault("HEARTH_COORDINATOR", CoordinatorClient.DEFAULT_URL);
        String token = env.get("HEARTH_TOKEN");
        if (token == null || token.isBlank()) {
            Path file = HearthPaths.coordinatorData(env).resolve("admin.token");
            if (!Files.isReadable(file)) {
                throw new IOException("no client token: set HEARTH_TOKEN, or run on the coordinator's host where "
                        + file + " holds the admin token");
            }
            token = Files.readString(file).strip();
        }
        URI base = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
        if ("http".equalsIgnoreCase(base.getScheme()) && !HearthClient.loopback(base.getHost())
                && !"1".equals(env.get("HEARTH_INSECURE_HTTP"))) {
            throw new IOException("refusing to send a key over plain HTTP to " + base.getHost() + ": use https:// "
                    + "(the coordinator serves TLS), or set HEARTH_INSECURE_HTTP=1 to send it in the clear anyway");
        }
        return new CoordinatorTarget(base, token);
    }

    /**
     * The {@link HearthClient} of a command's coordinator, key and trust (HEARTH_TLS_FINGERPRINT, HEARTH_TLS_CA):
     * {@code hearth job} talks to the jobs API only through it. The caller closes it.
     */
    static HearthClient hearth(String flag, Map<String, String> env) throws IOException {
        CoordinatorTarget t = from(flag, env);
        HearthClient.Builder b = HearthClient.builder().url(t.base()).token(t.token().toCharArray())
                .allowInsecureHttp(true); // from() already refused plain HTTP off loopback without the setting
        CoordinatorLink.trust(env).ifPresent(b::sslContext);
        return b.build();
    }

    @Override
    public String toString() {
        return "coordinator " + base; // never the token
    }
}
