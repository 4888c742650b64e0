// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hearth.sandbox.docker.DockerDriver;
import dev.hearth.sandbox.image.BaseImages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Shared by every module's Docker tests: one driver on the real engine, Hearth's busybox image built once (cached
 * by content), and a count of Hearth's containers to prove none is left behind.
 */
public final class DockerFixture {

    private static DockerDriver driver;

    private DockerFixture() {
    }

    /** The shared driver, connected and with {@link BaseImages#BUSYBOX} present. Fails loudly without an engine. */
    public static synchronized DockerDriver driver() throws Exception {
        if (driver == null) {
            driver = DockerDriver.connect();
            BaseImages.ensureBusybox(driver.images(), BuildProgress.silent());
        }
        return driver;
    }

    /** Names of the containers on the engine that carry Hearth's sandbox label, running or not. */
    public static List<String> hearthContainers() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("docker", "ps", "-a", "--filter", "label=dev.hearth.sandbox",
                "--format", "{{.Names}}").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(p.waitFor() == 0, "docker CLI not usable: " + out);
        return out.lines().filter(l -> !l.isBlank()).toList();
    }

    /** Full ids of the containers on the engine that carry Hearth's sandbox label, running or not. */
    public static List<String> hearthContainerIds() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("docker", "ps", "-a", "--no-trunc", "--filter", "label=dev.hearth.sandbox",
                "--format", "{{.ID}}").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(p.waitFor() == 0, "docker CLI not usable: " + out);
        return out.lines().filter(l -> !l.isBlank()).toList();
    }

    /** Names of Hearth's containers whose name contains {@code part}. */
    public static List<String> hearthContainers(String part) throws IOException, InterruptedException {
        return hearthContainers().stream().filter(n -> n.contains(part)).toList();
    }

}
