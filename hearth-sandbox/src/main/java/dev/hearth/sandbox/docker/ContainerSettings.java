// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.docker;

import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.DeviceRequest;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.LogConfig;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.Volume;
import dev.hearth.core.job.NetworkMode;
import dev.hearth.sandbox.PublishedPort;
import dev.hearth.sandbox.SandboxSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Translates a {@link SandboxSpec} into the Engine API's host configuration. Kept apart from the driver so the
 * mapping of every limit can be read in one place.
 */
final class ContainerSettings {

    /** Bounded json-file logs: the live stream sees everything, the engine's copy cannot fill the disk. */
    private static final Map<String, String> LOG_OPTIONS = Map.of("max-size", "20m", "max-file", "2");

    private ContainerSettings() {
    }

    /**
     * The host configuration of {@code spec}'s container; {@code network} is the sandbox's own network
     * ({@link SandboxNetwork}), required for a NAT sandbox and ignored without one.
     */
    static HostConfig hostConfig(SandboxSpec spec, java.util.Optional<String> network) {
        return hostConfig(spec, network, java.util.Optional.empty());
    }

    /** Like {@link #hostConfig(SandboxSpec, java.util.Optional)}, with the DNS server the container must use. */
    static HostConfig hostConfig(SandboxSpec spec, java.util.Optional<String> network,
            java.util.Optional<String> dns) {
        long memory = spec.limits().memory().bytes();
        if (spec.network() == NetworkMode.NAT && network.isEmpty()) {
            throw new IllegalArgumentException("NAT sandbox " + spec.name() + " has no network of its own: create "
                    + "one with SandboxNetwork first (the default bridge is shared and unfiltered)");
        }
        HostConfig host = HostConfig.newHostConfig()
                .withNetworkMode(spec.network() == NetworkMode.NONE ? "none" : network.orElseThrow())
                .withMemory(memory)
                .withMemorySwap(memory) // swap equal to memory: no swap beyond the limit
                .withNanoCPUs(spec.limits().cpus().nanoCpus())
                .withPidsLimit(spec.limits().pids())
                .withReadonlyRootfs(spec.readOnlyRoot())
                .withTmpFs(Map.of("/tmp", "rw,nosuid,nodev,size=" + spec.tmpSize().bytes()))
                .withCapDrop(Capability.ALL)
                .withSecurityOpts(List.of("no-new-privileges"))
                // The engine's tiny init forwards SIGTERM to the command and reaps zombies, so stop's grace works.
                .withInit(true)
                .withLogConfig(new LogConfig(LogConfig.LoggingType.JSON_FILE, LOG_OPTIONS));
        // an allowlisted sandbox resolves only through its own forwarder on the gateway
        dns.ifPresent(server -> host.withDns(List.of(server)));
        if (!spec.ports().isEmpty()) {
            Ports bindings = new Ports();
            for (PublishedPort p : spec.ports()) {
                bindings.bind(ExposedPort.tcp(p.guestPort()), p.hostPort() == 0
                        ? Ports.Binding.bindIp("127.0.0.1")
                        : Ports.Binding.bindIpAndPort("127.0.0.1", p.hostPort()));
            }
            host.withPortBindings(bindings);
        }
        if (!spec.mounts().isEmpty()) {
            List<Bind> binds = new ArrayList<>();
            for (var m : spec.mounts()) {
                binds.add(new Bind(m.hostPath().toString(), new Volume(m.sandboxPath()),
                        m.readOnly() ? com.github.dockerjava.api.model.AccessMode.ro
                                : com.github.dockerjava.api.model.AccessMode.rw));
            }
            host.withBinds(binds);
        }
        if (spec.gpus().any()) {
            if (spec.gpus().deviceIds().isEmpty()) {
                throw new IllegalArgumentException("GPU request for " + spec.gpus().count()
                        + " devices names none: assign explicit device ids before creating the sandbox");
            }
            host.withDeviceRequests(List.of(new DeviceRequest()
                    .withDriver("nvidia")
                    .withDeviceIds(spec.gpus().deviceIds())
                    .withCapabilities(List.of(List.of("gpu")))));
        }
        return host;
    }

    static List<ExposedPort> exposedPorts(SandboxSpec spec) {
        return spec.ports().stream().map(p -> ExposedPort.tcp(p.guestPort())).toList();
    }

    static List<String> environment(SandboxSpec spec) {
        List<String> env = new ArrayList<>();
        spec.env().forEach((k, v) -> env.add(k + "=" + v));
        spec.secrets().forEach((k, v) -> env.add(k + "=" + v.reveal()));
        // Tools that want a home (pip, npm) get a writable one on a read-only root.
        if (!spec.env().containsKey("HOME") && !spec.secrets().containsKey("HOME")) {
            env.add("HOME=/tmp");
        }
        return env;
    }
}
