// SPDX-License-Identifier: Apache-2.0
package dev.hearth.bench.servers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How much heap a JVM really holds: {@code jcmd PID GC.run} (a full collection), then the "used" figure of
 * {@code jcmd PID GC.heap_info}. RSS shows what the JVM chose to keep (default flags let the heap grow to a quarter of
 * RAM before collecting much); this shows what the connections need. Uses the {@code jcmd} of this JVM's
 * {@code java.home}. Stateless.
 */
final class LiveHeap {

    private static final Pattern USED = Pattern.compile("heap\\s+total.*?used (\\d+)K");

    private LiveHeap() {
    }

    /**
     * Collects process {@code pid}'s garbage and reads its used heap, in KiB; empty when this JDK has no
     * {@code jcmd} or it fails (the reason is not a benchmark failure: the figure is shown as "-").
     */
    static OptionalLong afterFullGc(long pid) throws InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        if (!Files.isExecutable(jcmd)) {
            return OptionalLong.empty();
        }
        try {
            if (jcmd(jcmd, pid, "GC.run") == null) {
                return OptionalLong.empty();
            }
            String info = jcmd(jcmd, pid, "GC.heap_info");
            return info == null ? OptionalLong.empty() : usedKib(info);
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    private static String jcmd(Path jcmd, long pid, String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command).redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return null;
        }
        return p.exitValue() == 0 ? out : null;
    }

    /**
     * The used heap of a {@code GC.heap_info} answer, e.g. "garbage-first heap   total reserved 6172672K, committed
     * 1449984K, used 1272196K [...]"; empty when there is no such line.
     */
    static OptionalLong usedKib(String heapInfo) {
        Matcher m = USED.matcher(heapInfo);
        return m.find() ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
    }
}
