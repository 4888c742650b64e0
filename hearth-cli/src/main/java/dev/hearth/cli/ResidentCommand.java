// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import dev.hearth.core.units.DurationText;
import dev.hearth.sandbox.BuildProgress;
import dev.hearth.sandbox.PoolSettings;
import dev.hearth.sandbox.SandboxSpec;
import dev.hearth.sandbox.WarmPoolDriver;
import dev.hearth.agent.host.HostRuntimes;
import dev.hearth.agent.host.HostSettings;
import dev.hearth.core.InvalidInputException;
import dev.hearth.sandbox.image.BaseImages;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code hearth resident}: a long-lived local process that keeps warm pools of one runtime (Docker containers, or
 * QEMU microVMs with {@code --runtime qemu}) and runs {@code hearth run} jobs handed to it over an owner-only unix
 * socket ({@link ResidentServer}), so that a {@code hearth run} finds a started sandbox instead of making one. Needs
 * no coordinator. Runs until SIGTERM or SIGINT, then drains its pools.
 */
@Command(name = "resident", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Keeps warm sandboxes (Docker, or QEMU microVMs with --runtime qemu) and runs 'hearth run' "
                + "jobs on them for this user, over a unix "
                + "socket only this user can open. 'hearth run' uses it when its socket is there "
                + "(HEARTH_RESIDENT=auto|always|never or --resident to choose).",
                "Only jobs without network, ports, mounts or GPUs, in images without an entrypoint, are pooled; "
                        + "others run cold in the resident. Runs until SIGTERM; then removes every pooled sandbox."})
@Prints(Prints.Kind.SERVICE)
final class ResidentCommand implements Callable<Integer> {

    @ParentCommand
    HearthCommand parent;

    @Option(names = "--socket", paramLabel = "PATH",
            description = "Unix socket to serve (default: HEARTH_RESIDENT_SOCKET, else $HEARTH_HOME/resident/hearth.sock).")
    Path socket;

    @Option(names = "--runtime", paramLabel = "RUNTIME", defaultValue = "docker",
            description = "The runtime whose sandboxes are kept warm: docker or qemu (default: ${DEFAULT-VALUE}). "
                    + "'hearth run' of that runtime uses the pools (qemu: network none, no --vcpus, --disk-size "
                    + "or --base-*); other runs are made cold.")
    String runtime;

    @Mixin
    PoolOptions poolOptions;

    @Option(names = "--warm", paramLabel = "IMAGE",
            description = "Keep a pool for this image with hearth run's default limits from the start "
                    + "(repeatable; default: " + BaseImages.BUSYBOX + ").")
    List<String> warm;

    @Override
    public Integer call() throws Exception {
        PoolSettings settings = poolOptions.settings(PoolOptions.RESIDENT_SIZE);
        Path at = socket != null ? socket : ResidentClient.socket(parent.environment());
        HostRuntimes host = runtime.equals("docker") ? parent.host() : vmHost(runtime);
        WarmPoolDriver pools = host.warmPools(runtime, settings);
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch drained = new CountDownLatch(1);
        // the JVM halts when its hooks return: the hook waits until the pools are drained below
        Thread hook = new Thread(() -> {
            stop.countDown();
            try {
                drained.await(90, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "hearth-resident-stop");
        try (host; pools; ResidentServer server = ResidentServer.listen(at,
                env -> HearthCommand.residentCommandLine(env, host, pools))) {
            for (String image : warm == null ? List.of(BaseImages.BUSYBOX) : warm) {
                if (runtime.equals("docker")) {
                    host.images().ensureBuiltIn(image, BuildProgress.silent());
                }
                pools.prewarm(SandboxSpec.builder(image, List.of("true")).build());
            }
            Runtime.getRuntime().addShutdownHook(hook);
            System.err.printf("hearth resident: serving %s (%s pools, size %d, idle limit %s); SIGTERM to stop%n",
                    server.socket(), runtime, settings.size(), DurationText.format(settings.idleLimit()));
            stop.await();
        } finally {
            drained.countDown();
        }
        return 0;
    }

    /**
     * A host with the microVM runtime {@code name}, as {@code hearth run --runtime NAME} opens it (the guest image
     * built on first use), without host networking: pooled VMs run network none only.
     */
    private HostRuntimes vmHost(String name) throws Exception {
        if (!name.equals("qemu")) {
            throw new InvalidInputException("--runtime", name, "docker or qemu: warm pools are kept for those");
        }
        return HostRuntimes.open(new HostSettings(List.of(name), parent.environment(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), HostSettings.Networking.NONE,
                true), new ConsoleProgress(new java.io.PrintWriter(System.err, true), false));
    }
}
