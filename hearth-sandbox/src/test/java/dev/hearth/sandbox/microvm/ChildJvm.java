// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.microvm;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A second JVM on this test class path, started under a command prefix (such as {@code ip netns exec NS}), speaking
 * {@link VmChild}'s line protocol: the test reads its {@value VmChild#TAG} lines with a deadline and writes
 * requests to its stdin. Its stderr (logs) goes to the test's. {@link #close()} kills it with SIGKILL.
 */
final class ChildJvm implements AutoCloseable {

    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final OutputStream in;

    private ChildJvm(Process process) {
        this.process = process;
        this.in = process.getOutputStream();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String l = r.readLine(); l != null; l = r.readLine()) {
                    if (l.startsWith(VmChild.TAG)) {
                        lines.add(l.substring(VmChild.TAG.length()));
                    }
                }
            } catch (IOException e) {
                // the child is gone: expect() reports it
            }
        });
    }

    /** Starts {@link VmChild} with {@code args}, its command line prefixed by {@code prefix}. */
    static ChildJvm start(List<String> prefix, String... args) throws IOException {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), VmChild.class.getName()));
        command.addAll(List.of(args));
        return new ChildJvm(new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start());
    }

    /** The child's next protocol line, which must start with {@code word}; its remaining words. */
    String[] expect(String word, Duration within) throws InterruptedException {
        String line = lines.poll(within.toMillis(), TimeUnit.MILLISECONDS);
        if (line == null) {
            throw new AssertionError("the child JVM said no " + word + " within " + within + " (alive: "
                    + process.isAlive() + ")");
        }
        String[] w = line.split(" ", -1);
        if (!w[0].equals(word)) {
            throw new AssertionError("the child JVM said '" + line + "', expected " + word);
        }
        return w;
    }

    /** Sends one request line. */
    void send(String line) throws IOException {
        in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    /** The child's process. */
    Process process() {
        return process;
    }

    /** Kills the child with SIGKILL, as a crash would, and waits for it to end. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
