// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.qemu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Kernel arguments that keep a TCG guest's boot from depending on host load. Under TCG the guest calibrates its
 * TSC against the emulated PIT; on a busy host the timings drift, calibration fails ("Unable to calibrate against
 * PIT ... Marking TSC unstable") and the boot stalls for minutes. TCG's TSC is the host's, so the guest is told its
 * frequency ({@code tsc_early_khz}, from the host's /proc/cpuinfo) and that it is reliable. Stateless.
 */
public final class TcgClock {

    private static final Optional<Long> HOST_KHZ = hostKhz(Path.of("/proc/cpuinfo"));

    private TcgClock() {
    }

    /** {@code " tsc_early_khz=K tsc=reliable"}, or nothing when the host's frequency is unknown. */
    public static String bootArgs() {
        return HOST_KHZ.map(khz -> " tsc_early_khz=" + khz + " tsc=reliable").orElse("");
    }

    /** The first "cpu MHz" of a cpuinfo file, in kHz. */
    static Optional<Long> hostKhz(Path cpuinfo) {
        try {
            return Files.readAllLines(cpuinfo).stream().filter(l -> l.startsWith("cpu MHz")).findFirst()
                    .map(l -> Math.round(Double.parseDouble(l.substring(l.indexOf(':') + 1).strip()) * 1000));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
