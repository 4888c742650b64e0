// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.firecracker;

import dev.hearth.sandbox.LogSink;
import dev.hearth.sandbox.vm.VmConfig;
import dev.hearth.sandbox.vm.VmDrive;
import dev.hearth.sandbox.vm.VmNic;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Files and configs for driver tests: a kernel that passes the ELF check, a root and a data drive, an initrd. */
final class VmFixture {

    final Path dir;
    final Path kernel;
    final Path initrd;
    final Path rootfs;
    final Path data;

    VmFixture(Path dir) throws IOException {
        this.dir = dir;
        this.kernel = Files.write(dir.resolve("vmlinux"), new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0});
        this.initrd = Files.writeString(dir.resolve("initrd.img"), "initrd");
        this.rootfs = Files.writeString(dir.resolve("rootfs.ext4"), "rootfs");
        this.data = Files.writeString(dir.resolve("config.img"), "config");
    }

    /** A VM with an initrd, a read-write root drive, a read-only data drive and a NIC. */
    VmConfig config(String id) {
        return new VmConfig(id, 2, 256, kernel, Optional.of(initrd), "console=ttyS0 reboot=k panic=1 pci=off",
                List.of(new VmDrive("rootfs", rootfs, true, false), new VmDrive("config", data, false, true)),
                Optional.of(new VmNic("tap-" + id, "06:00:0a:00:00:02", "10.0.0.2", 24, "10.0.0.1")),
                dir.resolve("run-" + id));
    }

    /** A console sink that keeps what it is given, for assertions. */
    static final class Console implements LogSink {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private volatile Stream lastStream;

        @Override
        public synchronized void accept(Stream stream, byte[] chunk, int offset, int length) {
            lastStream = stream;
            bytes.write(chunk, offset, length);
        }

        synchronized String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }

        Stream lastStream() {
            return lastStream;
        }
    }
}
