// SPDX-License-Identifier: Apache-2.0
package dev.hearth.bench.sim;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Reads a Linux process's CPU time and memory from {@code /proc}: {@code utime + stime} from {@code /proc/PID/stat}
 * (in clock ticks) and {@code VmRSS}/{@code VmHWM} from {@code /proc/PID/status}, and the open-file limit from
 * {@code /proc/PID/limits}. The parsers are pure and take the files' text; {@link #sample} reads them. Stateless.
 * Public for the other benchmarks that watch a child JVM ({@code ws-servers}).
 */
public final class ProcStats {

    /**
     * One reading of a process.
     *
     * @param cpuTicks user plus system CPU time, in clock ticks ({@code getconf CLK_TCK}, 100 on Linux)
     * @param rssKib resident memory now, KiB
     * @param hwmKib the most resident memory so far, KiB
     */
    public record Sample(long cpuTicks, long rssKib, long hwmKib) {
    }

    /** Clock ticks per second of {@code /proc/PID/stat}: USER_HZ, which Linux fixes at 100 for user space. */
    static final long TICKS_PER_SECOND = 100;

    private ProcStats() {
    }

    /**
     * Reads process {@code pid} now.
     *
     * @throws IOException when /proc has no such process (it exited) or is not there (not Linux)
     */
    public static Sample sample(long pid) throws IOException {
        Path dir = Path.of("/proc", Long.toString(pid));
        String status = Files.readString(dir.resolve("status"));
        return new Sample(cpuTicks(Files.readString(dir.resolve("stat"))), statusKib(status, "VmRSS"),
                statusKib(status, "VmHWM"));
    }

    /**
     * {@code utime + stime} of a {@code /proc/PID/stat} line: fields 14 and 15, counted after the command name,
     * which is in parentheses and may itself hold spaces and parentheses (so the split starts after the last ')').
     *
     * @throws IllegalArgumentException when the text is not of that form
     */
    static long cpuTicks(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            throw new IllegalArgumentException("not a /proc/PID/stat line (no ')' after the command): " + stat);
        }
        // After ") " come field 3 (state) onwards; utime is field 14, so index 11 of the rest.
        String[] rest = stat.substring(close + 1).strip().split("\\s+");
        if (rest.length < 13) {
            throw new IllegalArgumentException("/proc/PID/stat line has " + (rest.length + 2)
                    + " fields, expected at least 15: " + stat);
        }
        try {
            return Long.parseLong(rest[11]) + Long.parseLong(rest[12]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("/proc/PID/stat utime/stime are not numbers: " + stat, e);
        }
    }

    /**
     * The value in KiB of a {@code Name:   1234 kB} line of {@code /proc/PID/status}.
     *
     * @throws IllegalArgumentException when the line is missing (e.g. VmRSS of a zombie) or malformed
     */
    static long statusKib(String status, String name) {
        for (String line : status.split("\n")) {
            if (line.startsWith(name + ":")) {
                String[] parts = line.substring(name.length() + 1).strip().split("\\s+");
                if (parts.length != 2 || !parts[1].equals("kB")) {
                    throw new IllegalArgumentException("/proc/PID/status line is not 'N kB': " + line);
                }
                return Long.parseLong(parts[0]);
            }
        }
        throw new IllegalArgumentException("/proc/PID/status has no " + name + " line");
    }

    /**
     * The soft "Max open files" limit of a {@code /proc/PID/limits} table (what {@code ulimit -n} shows); empty
     * when it is unlimited.
     *
     * @throws IllegalArgumentException when the table has no such row
     */
    public static OptionalLong openFileLimit(String limits) {
        for (String line : limits.split("\n")) {
            if (line.startsWith("Max open files")) {
                String soft = line.substring("Max open files".length()).strip().split("\\s+")[0];
                return soft.equals("unlimited") ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(soft));
            }
        }
        throw new IllegalArgumentException("/proc/PID/limits has no 'Max open files' row");
    }

    /** CPU used between two samples, as a percentage of one core over {@code elapsedNanos}. */
    public static double cpuPercentOfOneCore(Sample before, Sample after, long elapsedNanos) {
        if (elapsedNanos <= 0) {
            throw new IllegalArgumentException("elapsed time must be positive, got " + elapsedNanos + " ns");
        }
        double cpuSeconds = (after.cpuTicks() - before.cpuTicks()) / (double) TICKS_PER_SECOND;
        return cpuSeconds / (elapsedNanos / 1e9) * 100;
    }
}
