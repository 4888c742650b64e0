// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.instances;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Asks an instance's service whether it is healthy: GET /health through the loopback proxy answers {"ok":true,...}. */
final class HealthProbe {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private HealthProbe() {
    }

    /** "ok", or "failing: why". */
    static String check(int hostPort, String path) throws InterruptedException {
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(TIMEOUT).build()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + hostPort + path)).timeout(TIMEOUT).build(),
                    HttpResponse.BodyHandlers.ofString());
            String body = r.body().replace(" ", "");
            if (r.statusCode() == 200 && body.contains("\"ok\":true")) {
                return "ok";
            }
            return "failing: HTTP " + r.statusCode() + " " + abbreviate(r.body());
        } catch (IOException e) {
            return "failing: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        }
    }

    static boolean ok(String health) {
        return "ok".equals(health);
    }

    private static String abbreviate(String s) {
        String one = s.strip().replace('\n', ' ');
        return one.length() > 120 ? one.substring(0, 120) + "..." : one;
    }
}
