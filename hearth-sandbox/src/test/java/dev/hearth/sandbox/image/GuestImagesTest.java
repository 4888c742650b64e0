// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.sandbox.BuildProgress;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.host.HostCommand;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Guest images and their content cache")
class GuestImagesTest {

    @TempDir
    Path dir;

    /** Records the steps a build announces: an empty record means nothing was built. */
    private static final class Steps implements BuildProgress {
        final List<String> names = new ArrayList<>();

        @Override
        public void step(String name) {
            names.add(name);
        }

        @Override
        public void done(String summary) {
        }
    }

    @Test
    @DisplayName("the rootfs is ext4 with the guest init and a static helper; a second call reuses it untouched")
    void rootfsBuiltOnceThenCached() throws Exception {
        ContentCache cache = new ContentCache(dir.resolve("images"));
        Steps first = new Steps();
        Path entry = GuestRootfs.ensure(cache, first);
        assertThat(first.names).anyMatch(s -> s.contains("mkfs.ext4"));
        Path image = entry.resolve("rootfs.ext4");
        String listing = debugfs(image, "ls -l /sbin") + debugfs(image, "ls -l /usr/bin");
        assertThat(listing).contains("hearth-init").contains("hearth-guest");
        assertThat(debugfs(image, "stat /sbin/hearth-init")).contains("Mode:  0755");
        assertThat(debugfs(image, "cat /sbin/hearth-init")).contains("#!/bin/busybox sh\n# Hearth guest init");
        long modified = Files.getLastModifiedTime(image).toMillis();

        Steps second = new Steps();
        assertThat(GuestRootfs.ensure(cache, second)).isEqualTo(entry);
        assertThat(second.names).as("nothing rebuilt").isEmpty();
        assertThat(Files.getLastModifiedTime(image).toMillis()).isEqualTo(modified);
        try (var left = Files.list(cache.root())) {
            assertThat(left.map(p -> p.getFileName().toString()))
                    .as("no work or output folder left").noneMatch(n -> n.startsWith(".out-") || n.startsWith(".work-"));
        }
    }

    @Test
    @DisplayName("the key follows every input: a changed input gives another entry, the same inputs the same")
    void keyFollowsInputs() {
        String a = ContentCache.key("r", ContentCache.digest("x".getBytes(StandardCharsets.UTF_8)));
        assertThat(ContentCache.key("r", ContentCache.digest("x".getBytes(StandardCharsets.UTF_8)))).isEqualTo(a);
        assertThat(ContentCache.key("r", ContentCache.digest("y".getBytes(StandardCharsets.UTF_8)))).isNotEqualTo(a);
        assertThat(ContentCache.key("r2", ContentCache.digest("x".getBytes(StandardCharsets.UTF_8)))).isNotEqualTo(a);
        assertThat(a).matches("[0-9a-f]{16}");
    }

    @Test
    @DisplayName("a failed build leaves no entry and no work folder, and says which command failed")
    void failedBuildLeavesNothing() throws Exception {
        ContentCache cache = new ContentCache(dir.resolve("images"));
        assertThatThrownBy(() -> cache.ensure("broken", "0123", (out, scratch) -> {
            Files.writeString(out.resolve("half"), "made");
            HostCommand.run(List.of("sh", "-c", "echo step one; echo it broke >&2; exit 3"), Duration.ofSeconds(30));
        })).isInstanceOf(SandboxException.class).hasMessageContaining("exit 3").hasMessageContaining("it broke");
        assertThat(cache.find("broken", "0123")).isEmpty();
        try (var left = Files.list(cache.root())) {
            assertThat(left.map(p -> p.getFileName().toString())).allMatch(n -> n.startsWith(".lock-"));
        }
    }

    @Test
    @DisplayName("BASE_IMAGES_DIR moves the cache; a missing kernel source is named with the package to install")
    void environment() {
        assertThat(ContentCache.fromEnvironment(java.util.Map.of("BASE_IMAGES_DIR", dir.toString())).root())
                .isEqualTo(dir);
        assertThatThrownBy(() -> GuestKernel.ensure(new ContentCache(dir), dir.resolve("linux.tar.xz"),
                Optional.empty(), BuildProgress.silent())).isInstanceOf(SandboxException.class)
                .hasMessageContaining("linux-source-6.1").hasMessageContaining("--kernel-source");
    }

    private static String debugfs(Path image, String request) throws Exception {
        Process p = new ProcessBuilder("debugfs", "-R", request, image.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).isZero();
        return out;
    }
}
