// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code hearth job logs -f}: follows a job's log with {@code GET /v1/jobs/ID/logs?follow=1}, printing the output as
 * it streams, and reconnects with its byte offset (and the lease epoch it belongs to) whenever a stream ends before the
 * job's log is complete: after the coordinator's follow deadline, a dropped connection, or a wait for headers longer
 * than {@link #HEADERS_WITHIN} (the coordinator sends them with the first output). The line
 * {@code --- hearth: job placed again (epoch N) ---} starts the new lease's output: the offset counts from 0 after it.
 * Used by one thread.
 */
final class LogFollower {

    /** How long one request waits for its first bytes before asking again from the same offset. */
    static final Duration HEADERS_WITHIN = Duration.ofSeconds(60);
    private static final byte[] PREFIX = "--- hearth: job placed again (epoch ".getBytes(StandardCharsets.US_ASCII);
    private static final Pattern MARKER = Pattern.compile("--- hearth: job placed again \\(epoch ([0-9]{1,18})\\) ---\n");
    private static final int LONGEST_MARKER = 80;

    private final CoordinatorClient client;
    private final String id;
    private final PrintWriter out;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
    private final ByteArrayOutputStream held = new ByteArrayOutputStream();
    private ByteBuffer carry = ByteBuffer.allocate(0);
    private long offset;
    private long epoch = -1;
    private boolean lineStart = true;

    LogFollower(CoordinatorClient client, String id, PrintWriter out) {
        this.client = client;
        this.id = id;
        this.out = out;
    }

    /** Prints the job's log until it is complete; returns 0. */
    int run() throws IOException, InterruptedException {
        int dropped = 0;
        while (true) {
            HttpResponse<InputStream> r;
            try {
                r = client.stream("/v1/jobs/" + id + "/logs?follow=1&offset=" + offset
                        + (epoch >= 0 ? "&epoch=" + epoch : ""), HEADERS_WITHIN);
            } catch (HttpTimeoutException e) {
                continue; // no output within the wait: ask again from the same place
            } catch (CoordinatorClient.CoordinatorError e) {
                throw e;
            } catch (IOException e) {
                if (++dropped > 5) {
                    throw e;
                }
                Thread.sleep(1000L * dropped); // the connection dropped: again, from the offset
                continue;
            }
            dropped = 0;
            boolean complete = r.headers().firstValue("Hearth-Log-Complete").map(Boolean::parseBoolean).orElse(false);
            if (epoch < 0) {
                epoch = r.headers().firstValueAsLong("Hearth-Log-Epoch").orElse(0);
            }
            try (InputStream in = r.body()) {
                byte[] buf = new byte[16 * 1024];
                for (int n; (n = in.read(buf)) >= 0; ) {
                    feed(buf, n);
                    out.flush();
                }
            } catch (IOException e) {
                continue; // dropped mid-stream: reconnect from what was printed
            }
            if (complete) {
                flushHeld();
                out.flush();
                return 0;
            }
        }
    }

    /** Prints bytes, holding back a line that may be the placed-again marker until it is whole. */
    private void feed(byte[] b, int n) {
        int plainFrom = 0;
        for (int i = 0; i < n; i++) {
            byte c = b[i];
            if (held.size() == 0 && !(lineStart && c == PREFIX[0])) {
                lineStart = c == '\n';
                continue;
            }
            if (held.size() == 0) {
                print(b, plainFrom, i - plainFrom);
            }
            held.write(c);
            plainFrom = i + 1;
            byte[] h = held.toByteArray();
            if (c == '\n') {
                Matcher m = MARKER.matcher(new String(h, StandardCharsets.UTF_8));
                print(h, 0, h.length);
                if (m.matches()) {
                    epoch = Long.parseLong(m.group(1));
                    offset = 0; // the new lease's output starts after this line
                }
                held.reset();
                lineStart = true;
            } else if (h.length > LONGEST_MARKER || h.length <= PREFIX.length
                    && !java.util.Arrays.equals(h, 0, h.length, PREFIX, 0, h.length)) {
                flushHeld();
                lineStart = false;
            }
        }
        print(b, plainFrom, n - plainFrom);
    }

    private void flushHeld() {
        byte[] h = held.toByteArray();
        held.reset();
        print(h, 0, h.length);
    }

    private void print(byte[] b, int from, int length) {
        if (length <= 0) {
            return;
        }
        offset += length;
        ByteBuffer in = ByteBuffer.allocate(carry.remaining() + length).put(carry).put(b, from, length).flip();
        CharBuffer chars = CharBuffer.allocate(in.remaining() + 1);
        utf8.decode(in, chars, false);
        carry = ByteBuffer.allocate(in.remaining()).put(in).flip();
        out.append(chars.flip());
    }
}
