// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.instances;

import dev.hearth.core.InvalidInputException;
import dev.hearth.core.instance.InstanceSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The rule for host files a remote caller names: a create arriving from the coordinator may name a microVM's
 * {@code baseKernel}, {@code baseRootfs} and {@code baseInitrd} only as regular files inside the image store
 * (BASE_IMAGES_DIR), judged after every symlink and {@code ..} is resolved, so no caller reads {@code /etc/shadow}
 * into a guest as its initrd. The local CLI does not apply it: there the user names their own files. Stateless and
 * thread-safe.
 */
public final class ImageStorePaths {

    private ImageStorePaths() {
    }

    /**
     * The request with each named base file replaced by its real path inside {@code store}, so what boots is what
     * was judged.
     *
     * @throws InvalidInputException naming the flag (its document field: {@code baseKernel}, {@code baseRootfs},
     *     {@code baseInitrd}) of a file that is missing or resolves outside the store
     */
    public static InstanceSpec confine(InstanceSpec spec, Path store) {
        Optional<Path> root = realStore(store);
        return spec.withBaseFiles(
                spec.baseKernel().map(p -> inside("--base-kernel", p, root, store)),
                spec.baseRootfs().map(p -> inside("--base-rootfs", p, root, store)),
                spec.baseInitrd().map(p -> inside("--base-initrd", p, root, store)));
    }

    private static Optional<Path> realStore(Path store) {
        try {
            return Optional.of(store.toRealPath());
        } catch (IOException e) {
            return Optional.empty(); // no store on this host: every named file is refused
        }
    }

    private static String inside(String flag, String path, Optional<Path> root, Path store) {
        String rule = "a file inside this node's image store BASE_IMAGES_DIR (" + store + "), symlinks followed; "
                + "a remote request may not name other host files (leave it out for the default)";
        if (root.isEmpty()) {
            throw new InvalidInputException(flag, path, rule);
        }
        Path real;
        try {
            Path named = Path.of(path);
            real = (named.isAbsolute() ? named : root.get().resolve(named)).toRealPath();
        } catch (IOException | RuntimeException e) {
            throw new InvalidInputException(flag, path, rule);
        }
        if (!real.startsWith(root.get()) || !Files.isRegularFile(real)) {
            throw new InvalidInputException(flag, path, rule);
        }
        return real.toString();
    }
}
