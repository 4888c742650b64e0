// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.instances;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.core.InvalidInputException;
import dev.hearth.core.instance.InstanceSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("A remote create names microVM base files only inside the image store")
class ImageStorePathsTest {

    @TempDir
    Path dir;

    private static InstanceSpec spec(String kernel, String rootfs, String initrd) {
        return InstanceFixture.spec("t-paths").withBaseFiles(Optional.ofNullable(kernel), Optional.ofNullable(rootfs),
                Optional.ofNullable(initrd));
    }

    @Test
    @DisplayName("files in the store (by absolute or relative name, through a symlink that stays inside) are kept "
            + "as their real paths")
    void inside() throws Exception {
        Path store = Files.createDirectories(dir.resolve("images"));
        Path kernel = Files.writeString(store.resolve("vmlinux"), "k");
        Files.createDirectories(store.resolve("v2"));
        Path rootfs = Files.writeString(store.resolve("v2/rootfs.ext4"), "r");
        Files.createSymbolicLink(store.resolve("current.ext4"), rootfs);
        InstanceSpec confined = ImageStorePaths.confine(spec(kernel.toString(), "current.ext4", null), store);
        assertThat(confined.baseKernel()).contains(kernel.toRealPath().toString());
        assertThat(confined.baseRootfs()).contains(rootfs.toRealPath().toString());
        assertThat(confined.baseInitrd()).isEmpty();
    }

    @Test
    @DisplayName("a host file, a '..' escape, a symlink out of the store, a folder and a missing store are refused "
            + "by field, naming the rule")
    void outside() throws Exception {
        Path store = Files.createDirectories(dir.resolve("images"));
        Path secret = Files.writeString(dir.resolve("shadow"), "root:x");
        Files.createSymbolicLink(store.resolve("initrd.img"), secret);
        Files.createDirectories(store.resolve("sub"));
        for (String path : new String[] {"/etc/shadow", store + "/../shadow", "initrd.img", store + "/sub"}) {
            assertThatThrownBy(() -> ImageStorePaths.confine(spec(null, null, path), store))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("BASE_IMAGES_DIR")
                    .extracting(e -> ((InvalidInputException) e).field()).isEqualTo("--base-initrd");
        }
        assertThatThrownBy(() -> ImageStorePaths.confine(spec(null, "/etc/passwd", null), store))
                .extracting(e -> ((InvalidInputException) e).field()).isEqualTo("--base-rootfs");
        assertThatThrownBy(() -> ImageStorePaths.confine(spec("x", null, null), dir.resolve("none")))
                .extracting(e -> ((InvalidInputException) e).field()).isEqualTo("--base-kernel");
    }
}
