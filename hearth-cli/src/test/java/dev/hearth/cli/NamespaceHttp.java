// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import dev.hearth.sandbox.net.TestNamespace;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * An HTTP request made from inside a test's network namespace (where a loopback port of a Hearth process in that
 * namespace is reachable): a child JVM runs {@link #main} there. A bearer token travels on the child's stdin, never
 * on its command line. Prints the status code on the first line, then the body.
 */
final class NamespaceHttp {

    /** A response, or status 0 with the reason when no response came. */
    record Response(int status, String body) {
    }

    private NamespaceHttp() {
    }

    /** GET {@code url} from inside {@code ns}. */
    static Response get(TestNamespace ns, String url) throws IOException, InterruptedException {
        return call(ns, "GET", url, "", "");
    }

    /** POST {@code json} to {@code url} with {@code Authorization: Bearer token}, from inside {@code ns}. */
    static Response post(TestNamespace ns, String url, String token, String json)
            throws IOException, InterruptedException {
        return call(ns, "POST", url, token, json);
    }

    private static Response call(TestNamespace ns, String method, String url, String token, String json)
            throws IOException, InterruptedException {
        Process p = new ProcessBuilder(ns.inside(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), NamespaceHttp.class.getName(), method, url))
                .redirectErrorStream(true).start();
        try (var in = p.getOutputStream()) {
            in.write((token + "\n" + json).getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Response(0, "no answer within 60 s");
        }
        int nl = out.indexOf('\n');
        try {
            return new Response(Integer.parseInt(out.substring(0, nl < 0 ? out.length() : nl).strip()),
                    nl < 0 ? "" : out.substring(nl + 1));
        } catch (NumberFormatException e) {
            return new Response(0, out);
        }
    }

    /** {@code METHOD URL}; stdin: the token on the first line (may be empty), then the JSON body. */
    public static void main(String[] args) throws Exception {
        String input = new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
        int nl = input.indexOf('\n');
        String token = nl < 0 ? input.strip() : input.substring(0, nl).strip();
        String body = nl < 0 ? "" : input.substring(nl + 1);
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(args[1])).timeout(Duration.ofSeconds(30));
        if (!token.isEmpty()) {
            b.header("Authorization", "Bearer " + token);
        }
        if (args[0].equals("POST")) {
            b.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        }
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
            System.out.println(r.statusCode());
            System.out.print(r.body());
        } catch (IOException e) {
            System.out.println(0);
            System.out.print(e.toString());
        }
    }
}
