// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.qemu;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides between KVM and TCG by trying KVM for real: on some hosts {@code /dev/kvm} opens but guests crawl and die
 * with "KVM internal error" (nested virtualisation), so its presence proves nothing. The probe boots the guest
 * kernel under KVM with no root device; a working KVM reaches the kernel's "unable to mount root" panic and QEMU
 * exits (panic=-1, -no-reboot) within a few seconds. Anything else means TCG. The result is kept per kernel for the
 * life of the process. {@code HEARTH_QEMU_ACCEL=kvm|tcg} skips the probe. Thread-safe.
 */
public final class AcceleratorProbe {

    /** The environment variable that forces the accelerator. */
    public static final String ENV = "HEARTH_QEMU_ACCEL";
    private static final Duration DEADLINE = Duration.ofSeconds(8);
    private static final Logger log = LoggerFactory.getLogger(AcceleratorProbe.class);
    private static final Map<String, Accelerator> CHOSEN = new ConcurrentHashMap<>();

    private AcceleratorProbe() {
    }

    /** The accelerator for guests of {@code kernel} on this host, probing once per process. */
    public static Accelerator choose(Path qemu, Path kernel, Map<String, String> env) throws InterruptedException {
        String forced = env.getOrDefault(ENV, "auto");
        if (forced.equals("kvm") || forced.equals("tcg")) {
            return new Accelerator(forced, "forced by " + ENV);
        }
        String key = qemu + "|" + kernel.toAbsolutePath();
        Accelerator known = CHOSEN.get(key);
        if (known != null) {
            return known;
        }
        Accelerator chosen = probe(qemu, kernel);
        log.info("QEMU accelerator: {}", chosen);
        CHOSEN.put(key, chosen);
        return chosen;
    }

    /** Probes without the per-process memory (for benchmarks and reports). */
    public static Accelerator probe(Path qemu, Path kernel) throws InterruptedException {
        Path kvm = Path.of("/dev/kvm");
        if (!Files.exists(kvm)) {
            return new Accelerator("tcg", "no /dev/kvm on this host");
        }
        if (!Files.isReadable(kvm) || !Files.isWritable(kvm)) {
            return new Accelerator("tcg", "/dev/kvm is not readable and writable by this user");
        }
        List<String> argv = List.of(qemu.toString(), "-M", "microvm,x-option-roms=off,rtc=off", "-accel", "kvm",
                "-cpu", "host", "-m", "128", "-smp", "1", "-nodefaults", "-no-user-config", "-nographic",
                "-no-reboot", "-serial", "stdio", "-kernel", kernel.toString(),
                "-append", "console=ttyS0 panic=-1 root=/dev/hearth-probe-none");
        Process p;
        try {
            p = new ProcessBuilder(argv).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        } catch (IOException e) {
            return new Accelerator("tcg", "cannot start " + qemu + " for the KVM probe: " + e.getMessage());
        }
        long t0 = System.nanoTime();
        StringBuilder output = new StringBuilder();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (InputStream in = p.getInputStream()) {
                byte[] buf = new byte[8192];
                for (int n; (n = in.read(buf)) > 0; ) {
                    synchronized (output) {
                        if (output.length() < 1 << 20) {
                            output.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                        }
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        });
        try {
            boolean ended = p.waitFor(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
            long ms = Duration.ofNanos(System.nanoTime() - t0).toMillis();
            if (!ended) {
                return new Accelerator("tcg", "a KVM guest did not reach its kernel's root mount within "
                        + DEADLINE.toSeconds() + " s" + errorIn(output));
            }
            reader.join(1000);
            String text;
            synchronized (output) {
                text = output.toString();
            }
            if (p.exitValue() == 0 && text.contains("Kernel panic") && !text.contains("KVM internal error")) {
                return new Accelerator("kvm", "a KVM guest booted to its root mount in " + ms + " ms");
            }
            return new Accelerator("tcg", "a KVM guest failed (exit " + p.exitValue() + ")" + errorIn(output));
        } finally {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
    }

    private static String errorIn(StringBuilder output) {
        synchronized (output) {
            return output.indexOf("KVM internal error") >= 0 ? ": KVM internal error" : "";
        }
    }
}
