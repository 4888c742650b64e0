// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.instances;

import dev.hearth.core.instance.InstanceRuntime;
import dev.hearth.core.instance.InstanceSpec;
import dev.hearth.sandbox.DockerFixture;
import dev.hearth.sandbox.docker.DockerGuests;
import dev.hearth.sandbox.image.BaseImages;
import dev.hearth.sandbox.image.OpenClawImage;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Map;
import java.util.UUID;

/** Instances on the real engine with the stub service, in a temporary state root. */
final class InstanceFixture {

    final InstanceSettings settings;
    final DockerGuests docker;
    final Instances instances;

    InstanceFixture(Path stateRoot) throws Exception {
        this.settings = InstanceSettings.from(Map.of("STATE_ROOT", stateRoot.toString(), "BASE_PORT", "28890"),
                stateRoot.resolve("home"));
        this.docker = new DockerGuests(DockerFixture.driver(), settings.stateRoot(), OpenClawImage::buildOwn);
        this.instances = new Instances(settings, Map.of(InstanceRuntime.DOCKER, docker), new StubProvisioner(),
                InstantSource.system(), BaseImages.BUSYBOX);
        instances.testing(InstanceCreator.Faults.NONE, new InstanceCreator.Timeouts(Duration.ofSeconds(60),
                Duration.ofSeconds(30), Duration.ofSeconds(60)));
    }

    InstanceSupervisor supervise() throws Exception {
        return InstanceSupervisor.start(instances, InstantSource.system(), Duration.ofMillis(200));
    }

    static String newId() {
        return "t-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static InstanceSpec spec(String id) {
        return InstanceSpec.builder().id(id).telegramToken("123456:ABC-def").telegramUsers("42").vcpus("1")
                .memoryMib("256").build();
    }

    /** Polls {@code check} every 100 ms until true or the deadline; fails with {@code what}. */
    static void await(String what, Duration limit, Check check) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!check.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + limit.toSeconds() + " s: " + what);
            }
            Thread.sleep(100);
        }
    }

    interface Check {
        boolean holds() throws Exception;
    }
}
