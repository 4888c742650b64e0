// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.host;

import dev.hearth.sandbox.BuildProgress;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.docker.DockerImages;
import dev.hearth.sandbox.image.BaseImages;
import dev.hearth.sandbox.image.OpenClawImage;
import java.nio.file.Path;

/**
 * The container images of a host's Docker engine as commands use them: Hearth's own images made on first use, a
 * root filesystem imported. Thread-safe as the engine's client.
 */
public final class HostImages {

    private final DockerImages images;

    HostImages(DockerImages images) {
        this.images = images;
    }

    /** Makes {@code image} first when it is one of Hearth's own ({@link BaseImages}) and missing; else nothing. */
    public void ensureBuiltIn(String image, BuildProgress progress) throws SandboxException, InterruptedException {
        if (BaseImages.isBuiltIn(image) && images.find(image).isEmpty()) {
            BaseImages.ensureBuiltIn(images, image, progress);
        }
    }

    /** Builds Hearth's busybox or python image (cached by content); returns its reference. */
    public String buildBase(String name, BuildProgress progress) throws SandboxException, InterruptedException {
        return switch (name) {
            case "busybox" -> BaseImages.ensureBusybox(images, progress);
            case "python" -> BaseImages.ensurePython(images, progress);
            default -> throw new IllegalArgumentException("not one of Hearth's base images: " + name);
        };
    }

    /** Builds the OpenClaw gateway image of {@code version} (cached by content); returns its reference. */
    public String buildOpenClaw(String version, BuildProgress progress) throws SandboxException, InterruptedException {
        return OpenClawImage.ensure(images, version, progress);
    }

    /** Imports an uncompressed root filesystem tar as image {@code tag}; returns the image id. */
    public String importRootfs(Path rootfsTar, String tag) throws SandboxException {
        return images.importRootfs(rootfsTar, tag);
    }
}
