// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.net;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Servers and requests of the stand-in guest tests (namespaces on the bridge standing in for VMs). */
final class GuestProbes {

    private GuestProbes() {
    }

    /** Starts busybox httpd (with {@code prefix}, e.g. a namespace) serving {@code marker} as {@code /id}. */
    static Process serve(Path dir, List<String> prefix, String ip, int port, String marker) throws Exception {
        Path root = Files.createDirectories(dir.resolve(marker));
        Files.writeString(root.resolve("id"), marker);
        List<String> argv = new ArrayList<>(prefix);
        argv.addAll(List.of("busybox", "httpd", "-f", "-p", ip + ":" + port, "-h", root.toString()));
        return new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(dir.resolve(marker + ".log").toFile())
                .start();
    }

    /** One plain HTTP request from {@code guest} (busybox 1.35's wget -T crashes, nc does not); what came back. */
    static String fetch(TestNamespace ns, String guest, String target) throws Exception {
        String[] hostPort = target.split(":");
        return ns.inGuest(guest, "sh", "-c", "printf 'GET /id HTTP/1.0\\r\\n\\r\\n' | busybox nc -w 3 "
                + hostPort[0] + " " + hostPort[1]).stdout();
    }

    /** Polls: the first request may race the server or the port coming up. */
    static String fetchWithin(TestNamespace ns, String guest, String target, Duration deadline) throws Exception {
        Instant end = Instant.now().plus(deadline);
        String last = "";
        while (Instant.now().isBefore(end)) {
            last = fetch(ns, guest, target);
            if (last.contains("200 OK")) {
                return last;
            }
            Thread.sleep(200);
        }
        return last;
    }
}
