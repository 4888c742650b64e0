// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.docker;

import dev.hearth.sandbox.PoolSettings;
import dev.hearth.sandbox.SandboxSpec;
import dev.hearth.sandbox.WarmPoolDriver;
import dev.hearth.sandbox.image.BaseImages;
import java.time.Duration;
import java.util.List;

/** A process that keeps a warm pool of one and then waits to be killed: the owner {@link WarmPoolTest} kills. */
public final class PoolOwnerChild {

    private PoolOwnerChild() {
    }

    /** Prints the ready container's id once the pool holds one, then sleeps until killed. */
    public static void main(String[] args) throws Exception {
        WarmPoolDriver pools = DockerDriver.connect().warmPools(new PoolSettings(1, Duration.ofMinutes(5)));
        SandboxSpec like = SandboxSpec.builder(BaseImages.BUSYBOX, List.of("true")).build();
        pools.prewarm(like);
        while (pools.ready(like) == 0) {
            Thread.sleep(20);
        }
        System.out.println("ready");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
