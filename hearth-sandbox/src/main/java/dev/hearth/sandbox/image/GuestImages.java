// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.image;

import dev.hearth.sandbox.BuildProgress;
import dev.hearth.sandbox.SandboxException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code hearth image build-vm}: Hearth's microVM guest image, a kernel built from Debian's linux-source and an
 * ext4 root filesystem assembled from files, both cached by content hash in a {@link ContentCache}, so the second
 * call returns at once and a changed input (tarball, config, busybox, guest init) builds anew. Thread-safe.
 */
public final class GuestImages {

    private final ContentCache cache;

    /** Guest images kept in {@code cache}. */
    public GuestImages(ContentCache cache) {
        this.cache = cache;
    }

    /** The cache the images live in. */
    public ContentCache cache() {
        return cache;
    }

    /**
     * What to build from.
     *
     * @param kernelSource Debian's linux-source tarball
     * @param kernelConfig a kernel .config, or empty for Hearth's microVM config (Firecracker's CI config)
     */
    public record Sources(Path kernelSource, Optional<Path> kernelConfig) {

        /** Debian's linux-source-6.1 and Hearth's config. */
        public static Sources defaults() {
            return new Sources(GuestKernel.DEBIAN_SOURCE, Optional.empty());
        }
    }

    /** The default guest image, built from {@link Sources#defaults()} when not cached yet. */
    public GuestImage ensure(BuildProgress progress) throws SandboxException, InterruptedException {
        return ensure(Sources.defaults(), progress);
    }

    /** The guest image built from {@code sources}, reused from the cache when its inputs are unchanged. */
    public GuestImage ensure(Sources sources, BuildProgress progress) throws SandboxException, InterruptedException {
        Path kernel = GuestKernel.ensure(cache, sources.kernelSource(), sources.kernelConfig(), progress);
        Path rootfs = GuestRootfs.ensure(cache, progress);
        GuestImage image = new GuestImage(kernel.resolve("bzImage"), Optional.of(kernel.resolve("vmlinux")),
                rootfs.resolve("rootfs.ext4"), Optional.empty());
        progress.done("guest image ready in " + cache.root() + ": kernel " + kernel.getFileName() + ", rootfs "
                + rootfs.getFileName());
        return image;
    }
}
