// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.instances;

import dev.hearth.sandbox.LogSink;
import java.io.Closeable;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/** Shows an instance's host log (the supervisor's events): its last lines, then, when following, new ones. */
final class HostLogFollower implements Closeable {

    private final CountDownLatch ended = new CountDownLatch(1);
    private volatile boolean closed;

    private HostLogFollower() {
    }

    static HostLogFollower start(Path file, int tail, boolean follow, LogSink sink) throws IOException {
        HostLogFollower f = new HostLogFollower();
        long offset = 0;
        if (Files.exists(file)) {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            int from = tail < 0 ? 0 : Math.max(0, lines.size() - tail);
            for (String line : lines.subList(from, lines.size())) {
                byte[] b = (line + "\n").getBytes(StandardCharsets.UTF_8);
                sink.accept(LogSink.Stream.STDOUT, b, 0, b.length);
            }
            offset = Files.size(file);
        }
        if (!follow) {
            f.ended.countDown();
            return f;
        }
        long start = offset;
        Thread.ofVirtual().name("host-log-" + file.getParent().getFileName()).start(() -> f.follow(file, start, sink));
        return f;
    }

    private void follow(Path file, long offset, LogSink sink) {
        try {
            while (!closed && Files.exists(file.getParent())) {
                if (Files.exists(file) && Files.size(file) > offset) {
                    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
                        raf.seek(offset);
                        byte[] b = new byte[(int) (raf.length() - offset)];
                        raf.readFully(b);
                        offset += b.length;
                        sink.accept(LogSink.Stream.STDOUT, b, 0, b.length);
                    }
                }
                Thread.sleep(300);
            }
        } catch (IOException e) {
            // the instance was destroyed while following: the log ends here
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            ended.countDown();
        }
    }

    /** Waits until following ends (closed, or the instance was destroyed). */
    void await() throws InterruptedException {
        ended.await();
    }

    @Override
    public void close() {
        closed = true;
    }
}
