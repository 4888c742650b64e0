// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Real servers for the egress end-to-end tests, in test namespaces or on the host, and host commands. */
public final class LiveServers {

    private LiveServers() {
    }

    /**
     * Starts {@code python3 -m http.server} (in a namespace when {@code prefix} says so) serving {@code marker} as
     * {@code /id} on {@code ip}:{@code port}, files under {@code dir}; its stop is added to {@code cleanup}.
     * Returns once it listens.
     */
    public static void serve(Path dir, List<AutoCloseable> cleanup, List<String> prefix, String ip, int port, String marker)
            throws Exception {
        Path root = Files.createDirectories(dir.resolve(marker));
        Files.writeString(root.resolve("id"), marker);
        List<String> argv = new ArrayList<>(prefix);
        argv.addAll(List.of("python3", "-m", "http.server", "--bind", ip, "--directory", root.toString(),
                Integer.toString(port)));
        Process server = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectOutput(dir.resolve(marker + ".log").toFile()).start();
        cleanup.add(() -> {
            server.destroy();
            server.waitFor();
        });
        String target = ip.equals("0.0.0.0") ? "127.0.0.1" : ip;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos(); // python starts slowly on a busy host
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(target, port), 500);
                return;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline || !server.isAlive()) {
                    throw new IllegalStateException("server " + marker + " did not listen on " + ip + ":" + port
                            + ": " + Files.readString(dir.resolve(marker + ".log")), notYet);
                }
                Thread.sleep(100);
            }
        }
    }

    /** Runs a host command, asserting it succeeds; its output. */
    public static String command(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("%s: %s", String.join(" ", argv), out).isZero();
        return out;
    }

    /** Adds {@code line} to the host's {@code /etc/hosts}; its removal is added to {@code cleanup}. */
    public static void hostsLine(List<AutoCloseable> cleanup, String line) throws IOException {
        Path hosts = Path.of("/etc/hosts");
        String before = Files.readString(hosts);
        Files.writeString(hosts, before + (before.endsWith("\n") ? "" : "\n") + line + "\n");
        cleanup.add(() -> {
            List<String> kept = new ArrayList<>(Files.readAllLines(hosts));
            kept.remove(line);
            Files.writeString(hosts, String.join("\n", kept) + "\n");
        });
    }
}
