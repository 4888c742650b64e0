// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.image;

import dev.hearth.core.InvalidInputException;
import dev.hearth.sandbox.BuildProgress;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.host.HostCommand;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Builds Hearth's guest kernel from Debian's {@code linux-source-6.1} tarball with a microVM configuration (by
 * default Firecracker's CI config, every virtio driver built in, so no initramfs is needed), through
 * {@code build-kernel.sh}. Cached by the hash of the tarball, the config and the script: about 12 minutes on two
 * cores the first time, nothing afterwards. Stateless and thread-safe.
 */
final class GuestKernel {

    /** Where Debian's linux-source-6.1 package puts its tarball. */
    static final Path DEBIAN_SOURCE = Path.of("/usr/src/linux-source-6.1.tar.xz");
    static final String RECIPE = "hearth-kernel-v1";
    private static final String RESOURCES = "/dev/hearth/sandbox/image/vm/";
    private static final Duration LIMIT = Duration.ofMinutes(90);

    private GuestKernel() {
    }

    /** The cache entry holding {@code vmlinux}, {@code bzImage} and {@code config}, built when missing. */
    static Path ensure(ContentCache cache, Path source, Optional<Path> config, BuildProgress progress)
            throws SandboxException, InterruptedException {
        if (!Files.isRegularFile(source)) {
            throw new SandboxException("no kernel source at " + source + ": install Debian's linux-source-6.1 "
                    + "package (scripts/setup-host does) or pass --kernel-source");
        }
        byte[] configText = config.isPresent() ? read("--kernel-config", config.get())
                : resource("microvm-kernel-x86_64-6.1.config");
        byte[] script = resource("build-kernel.sh");
        progress.step("hash the kernel source " + source);
        String key = ContentCache.key(RECIPE, ContentCache.fileDigest(source), ContentCache.digest(configText),
                ContentCache.digest(script));
        Optional<Path> cached = cache.find("kernel", key);
        if (cached.isPresent()) {
            return cached.get();
        }
        return cache.ensure("kernel", key, (out, scratch) -> {
            try {
                Path scriptFile = Files.write(scratch.resolve("build-kernel.sh"), script);
                Path configFile = Files.write(scratch.resolve("kernel.config"), configText);
                int jobs = Runtime.getRuntime().availableProcessors();
                HostCommand.run(List.of("sh", scriptFile.toString(), source.toString(), configFile.toString(),
                        scratch.resolve("linux").toString(), out.toString(), Integer.toString(jobs)), LIMIT, line -> {
                            if (line.startsWith("@@ stage ")) {
                                progress.step("kernel: " + line.substring(9) + (line.endsWith("compile")
                                        ? " with " + jobs + " jobs (about 12 minutes on 2 cores)" : ""));
                            } else {
                                progress.detail(line);
                            }
                        });
            } catch (IOException e) {
                throw new SandboxException("cannot prepare the kernel build: " + e.getMessage(), e);
            }
        });
    }

    static byte[] resource(String name) {
        try (InputStream in = GuestKernel.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + RESOURCES + name + " is missing from the build");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read resource " + name, e);
        }
    }

    private static byte[] read(String field, Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new InvalidInputException(field, file.toString(), "a readable kernel .config file");
        }
    }
}
