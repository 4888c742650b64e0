// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.vm;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Finds out whether KVM guests actually run on this host. {@code /dev/kvm} being there is not enough: under nested
 * virtualisation it can exist, open and accept a VM whose vCPUs then never run (our build machines). So after the
 * device checks the probe boots a 512-byte boot sector that writes {@code K} to the serial port and halts, with
 * {@code qemu-system-x86_64 -accel kvm}, and waits briefly for the {@code K}. Without QEMU only the device checks
 * are made, and the result says so. Both microVM drivers use this (Firecracker needs KVM; QEMU falls back to TCG).
 *
 * <p>Stateless; each call probes afresh (a boot test takes well under a second where KVM works, the deadline where
 * it hangs), so callers cache the result.
 */
public final class KvmProbe {

    /** How long the boot test waits for the guest's byte; a working KVM answers in milliseconds. */
    public static final Duration BOOT_DEADLINE = Duration.ofSeconds(5);

    private static final int S_IFMT = 0170000;
    private static final int S_IFCHR = 0020000;
    // mov dx,0x3f8; mov al,'K'; out dx,al; hlt; jmp back to hlt; then padding and the 0x55AA boot signature
    private static final byte[] BOOT_CODE = {(byte) 0xBA, (byte) 0xF8, 0x03, (byte) 0xB0, 'K', (byte) 0xEE,
        (byte) 0xF4, (byte) 0xEB, (byte) 0xFD};

    /**
     * What the probe found.
     *
     * @param usable whether KVM guests can be expected to run
     * @param detail why not, or how it was established
     */
    public record Result(boolean usable, String detail) {
    }

    private KvmProbe() {
    }

    /** Probes {@code /dev/kvm} with {@code qemu-system-x86_64} from PATH, when there is one. */
    public static Result probe() throws InterruptedException {
        return probe(Path.of("/dev/kvm"), SearchPath.find("qemu-system-x86_64"), BOOT_DEADLINE);
    }

    /** Probes {@code device}; boot-tests with {@code qemu} when present. */
    public static Result probe(Path device, Optional<Path> qemu, Duration deadline) throws InterruptedException {
        Optional<String> deviceProblem = deviceProblem(device);
        if (deviceProblem.isPresent()) {
            return new Result(false, deviceProblem.get());
        }
        if (qemu.isEmpty()) {
            return new Result(true, device + " is a usable character device (not boot-tested: no qemu-system-x86_64)");
        }
        Optional<String> bootProblem = bootProblem(qemu.get(), "kvm", deadline);
        return bootProblem.map(p -> new Result(false, p))
                .orElseGet(() -> new Result(true, "a guest booted under KVM with " + qemu.get()));
    }

    /** Why {@code device} cannot be KVM for this process, or empty when it looks usable. */
    static Optional<String> deviceProblem(Path device) {
        if (!Files.exists(device)) {
            return Optional.of(device + " does not exist (no KVM: enable virtualisation or load kvm_intel/kvm_amd)");
        }
        try {
            int mode = (Integer) Files.getAttribute(device, "unix:mode");
            if ((mode & S_IFMT) != S_IFCHR) {
                return Optional.of(device + " is not a character device");
            }
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.of("cannot read the mode of " + device + ": " + e.getMessage());
        }
        if (!Files.isReadable(device) || !Files.isWritable(device)) {
            return Optional.of(device + " is not readable and writable by this user (add it to the kvm group)");
        }
        return Optional.empty();
    }

    /**
     * Boots the probe sector with {@code qemu -accel <accelerator>}: empty when the guest wrote its byte in time,
     * otherwise what happened. Package-private so a test can prove the method on TCG, which always works.
     */
    static Optional<String> bootProblem(Path qemu, String accelerator, Duration deadline)
            throws InterruptedException {
        Path dir = null;
        Process process = null;
        try {
            dir = Files.createTempDirectory("hearth-kvm-probe");
            Path image = dir.resolve("boot.img");
            byte[] sector = new byte[512];
            System.arraycopy(BOOT_CODE, 0, sector, 0, BOOT_CODE.length);
            sector[510] = 0x55;
            sector[511] = (byte) 0xAA;
            Files.write(image, sector);
            process = new ProcessBuilder(List.of(qemu.toString(), "-accel", accelerator, "-display", "none",
                    "-nodefaults", "-no-user-config", "-monitor", "none", "-serial", "stdio", "-m", "16",
                    "-drive", "format=raw,if=floppy,readonly=on,file=" + image))
                    .redirectError(dir.resolve("stderr").toFile()) // apart: a warning about "KVM" holds a K
                    .start();
            InputStream out = process.getInputStream();
            CompletableFuture<String> seen = CompletableFuture.supplyAsync(() -> readUntilK(out));
            try {
                String text = seen.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
                return text.endsWith("K") ? Optional.empty()
                        : Optional.of(qemu + " -accel " + accelerator + " ended without booting the probe: "
                                + (text + Files.readString(dir.resolve("stderr"))).strip());
            } catch (TimeoutException e) {
                return Optional.of("a KVM guest did not run within " + deadline.toMillis() + " ms (" + accelerator
                        + " accepts VMs here but their vCPUs hang, as under nested virtualisation)");
            } catch (ExecutionException e) {
                return Optional.of("cannot read " + qemu + "'s output: " + e.getCause());
            }
        } catch (IOException e) {
            return Optional.of("cannot run " + qemu + " for the boot test: " + e.getMessage());
        } finally {
            if (process != null) {
                process.destroyForcibly();
                process.waitFor();
            }
            deleteQuietly(dir);
        }
    }

    private static String readUntilK(InputStream in) {
        StringBuilder seen = new StringBuilder();
        try {
            for (int c = in.read(); c >= 0 && seen.length() < 4096; c = in.read()) {
                seen.append((char) c);
                if (c == 'K') {
                    break;
                }
            }
        } catch (IOException e) {
            seen.append(" (read failed: ").append(e.getMessage()).append(')');
        }
        return seen.toString();
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // a leftover 512-byte file in the temp folder is harmless; the probe's answer matters more
        }
    }
}
