// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.image;

import dev.hearth.sandbox.BuildProgress;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.docker.DockerImages;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Hearth's own images, built on the host from Debian's packages since no registry may be reachable:
 * a busybox image (the default for {@code hearth run}) and a Python image (the default for {@code --script}).
 *
 * <p>Each build is cached by content: the image is tagged with a hash of everything that went into it (the
 * busybox binary; the Debian suite, packages and recipe), and a later call with the same inputs only re-tags it.
 * Stateless; safe to call from several threads, though two concurrent first builds both do the work.
 */
public final class BaseImages {

    /** The default image of {@code hearth run}: a static busybox with a non-root user. */
    public static final String BUSYBOX = "hearth/busybox:latest";
    /** The default image of {@code hearth run --script}: Debian bookworm's Python 3.11 with pip. */
    public static final String PYTHON = "hearth/python:3.11";

    private static final String BUSYBOX_RECIPE = "busybox-rootfs-v1";
    private static final List<String> PYTHON_PACKAGES = List.of("python3", "python3-pip", "ca-certificates");
    private static final String PYTHON_RECIPE = "mmdebstrap-essential-v1";

    private BaseImages() {
    }

    /** Whether {@code image} is one Hearth can build itself. */
    public static boolean isBuiltIn(String image) {
        return BUSYBOX.equals(image) || "hearth/busybox".equals(image) || PYTHON.equals(image);
    }

    /** Builds {@code image} if it is one of Hearth's own and missing. */
    public static void ensureBuiltIn(DockerImages images, String image, BuildProgress progress)
            throws SandboxException, InterruptedException {
        if (PYTHON.equals(image)) {
            ensurePython(images, progress);
        } else if (BUSYBOX.equals(image) || "hearth/busybox".equals(image)) {
            ensureBusybox(images, progress);
        }
    }

    /** Makes {@link #BUSYBOX} from the host's static busybox, unless an image of the same content exists. */
    public static String ensureBusybox(DockerImages images, BuildProgress progress) throws SandboxException {
        Path busybox = findStaticBusybox();
        String key;
        try {
            key = digest(BUSYBOX_RECIPE, Files.readAllBytes(busybox));
        } catch (IOException e) {
            throw new SandboxException("cannot read " + busybox + ": " + e.getMessage(), e);
        }
        String contentTag = "hearth/busybox:c-" + key;
        if (images.find(contentTag).isPresent()) {
            images.tag(contentTag, BUSYBOX);
            progress.done(BUSYBOX + " is up to date (" + contentTag + ")");
            return contentTag;
        }
        Path tar = null;
        try {
            progress.step("assemble root filesystem from " + busybox);
            tar = Files.createTempFile("hearth-busybox-", ".tar");
            try (OutputStream out = Files.newOutputStream(tar); RootfsTar rootfs = new RootfsTar(out)) {
                writeBusyboxRootfs(rootfs, busybox);
            }
            progress.step("import " + Files.size(tar) / 1024 + " KiB into the Docker engine");
            images.importRootfs(tar, contentTag);
            images.tag(contentTag, BUSYBOX);
            progress.done("built " + BUSYBOX + " (" + contentTag + ")");
            return contentTag;
        } catch (IOException e) {
            throw new SandboxException("cannot assemble the busybox root filesystem: " + e.getMessage(), e);
        } finally {
            deleteQuietly(tar);
        }
    }

    private static void writeBusyboxRootfs(RootfsTar rootfs, Path busybox) throws IOException {
        for (String dir : List.of("bin", "sbin", "usr", "usr/bin", "usr/sbin", "etc", "dev", "proc", "sys", "var")) {
            rootfs.directory(dir, 0755, 0);
        }
        rootfs.directory("root", 0700, 0);
        rootfs.directory("tmp", 01777, 0);
        rootfs.directory("job", 0755, 65534);
        rootfs.file("bin/busybox", busybox, 0755);
        for (String applet : applets(busybox)) {
            if (!applet.equals("bin/busybox")) {
                String depth = "../".repeat((int) applet.chars().filter(c -> c == '/').count());
                rootfs.symlink(applet, depth + "bin/busybox");
            }
        }
        rootfs.file("etc/passwd", ("root:x:0:0:root:/root:/bin/sh\n"
                + "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n").getBytes(StandardCharsets.UTF_8), 0644);
        rootfs.file("etc/group", "root:x:0:\nnogroup:x:65534:\n".getBytes(StandardCharsets.UTF_8), 0644);
    }

    static List<String> applets(Path busybox) throws IOException {
        Process p = new ProcessBuilder(busybox.toString(), "--list-full").redirectErrorStream(true).start();
        List<String> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.matches("[a-z0-9_./\\[-]+") && !line.startsWith("/") && !line.contains("..")) {
                    out.add(line.strip());
                }
            }
        }
        try {
            if (p.waitFor() != 0 || out.isEmpty()) {
                throw new IOException(busybox + " --list-full failed (exit " + p.exitValue() + ")");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while listing busybox applets", e);
        }
        return out;
    }

    static Path findStaticBusybox() throws SandboxException {
        for (String candidate : List.of("/bin/busybox", "/usr/bin/busybox", "/usr/local/bin/busybox")) {
            Path p = Path.of(candidate);
            try {
                if (Files.isExecutable(p) && StaticBinary.isStatic(p)) {
                    return p;
                }
            } catch (IOException e) {
                // not an ELF executable: look further
            }
        }
        throw new SandboxException("no statically linked busybox on this host: install it with "
                + "'sudo apt-get install busybox-static' (scripts/setup-host does)");
    }

    /** Makes {@link #PYTHON} with mmdebstrap from Debian's packages, unless an image of the same recipe exists. */
    public static String ensurePython(DockerImages images, BuildProgress progress)
            throws SandboxException, InterruptedException {
        String key = digest(PYTHON_RECIPE + "\n" + Mmdebstrap.SUITE + "\n" + Mmdebstrap.mirror() + "\n"
                + String.join(",", PYTHON_PACKAGES), new byte[0]);
        String contentTag = "hearth/python:c-" + key;
        if (images.find(contentTag).isPresent()) {
            images.tag(contentTag, PYTHON);
            progress.done(PYTHON + " is up to date (" + contentTag + ")");
            return contentTag;
        }
        Path tar = null;
        try {
            tar = Files.createTempFile("hearth-python-", ".tar");
            progress.step("bootstrap Debian " + Mmdebstrap.SUITE + " with " + String.join(", ", PYTHON_PACKAGES));
            Mmdebstrap.bootstrap(PYTHON_PACKAGES, List.of(
                    "mkdir -p \"$1/job\" && chown 65534:65534 \"$1/job\"",
                    "rm -f \"$1/usr/lib/python3.11/EXTERNALLY-MANAGED\""), tar, progress, PYTHON);
            progress.step("import " + Files.size(tar) / (1024 * 1024) + " MiB into the Docker engine");
            images.importRootfs(tar, contentTag);
            images.tag(contentTag, PYTHON);
            progress.done("built " + PYTHON + " (" + contentTag + ")");
            return contentTag;
        } catch (IOException e) {
            throw new SandboxException("cannot build " + PYTHON + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(tar);
        }
    }

    static String digest(String recipe, byte[] content) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(recipe.getBytes(StandardCharsets.UTF_8));
            md.update(content);
            return HexFormat.of().formatHex(md.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // a temp file left in /tmp is harmless and reported by nobody
            }
        }
    }
}
