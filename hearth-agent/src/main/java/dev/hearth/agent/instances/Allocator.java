// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.instances;

import dev.hearth.core.InvalidInputException;
import dev.hearth.core.instance.InstanceSpec;
import java.io.IOException;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntPredicate;

/**
 * Allocates an instance's id, host port and (microVMs) guest address under the state root's lock, and records
 * them at once (the instance's folder and a CREATING state), so two creates at the same time, in threads or
 * processes, never get the same port, address or id.
 */
final class Allocator {

    /** What was allocated. */
    record Allocation(int hostPort, String guestIp) {
    }

    private final InstanceStore store;
    private final InstanceSettings settings;
    private final IntPredicate portFree;

    Allocator(InstanceStore store, InstanceSettings settings, IntPredicate portFree) {
        this.store = store;
        this.settings = settings;
        this.portFree = portFree;
    }

    Allocator(InstanceStore store, InstanceSettings settings) {
        this(store, settings, PortProbe::free);
    }

    /**
     * Checks the id, port and pool and records the allocation with {@code stateOf} (called under the lock with
     * what was allocated).
     *
     * @throws InvalidInputException naming the id or port when it is taken, or the pool when it is exhausted
     */
    Allocation allocate(InstanceSpec spec, java.util.function.Function<Allocation, InstanceState> stateOf)
            throws IOException {
        try (StateLock ignored = store.lock()) {
            if (store.exists(spec.id())) {
                throw new InvalidInputException("--instance", spec.id(),
                        "an id no other instance has; instance '" + spec.id() + "' already exists (see "
                                + "'hearth instance list', or remove it with 'hearth instance destroy " + spec.id() + "')");
            }
            Set<Integer> ports = new HashSet<>();
            Set<String> ips = new HashSet<>();
            for (InstanceState s : store.all()) {
                ports.add(s.hostPort());
                if (s.guestIp() != null) {
                    ips.add(s.guestIp());
                }
            }
            int port = spec.hostPort() != 0 ? checkPort(spec.hostPort(), ports) : firstFreePort(ports);
            String ip = null;
            if (spec.runtime().microVm()) {
                Optional<String> free = IpPool.first(settings.subnetCidr(), settings.gatewayAddress(), ips);
                ip = free.orElseThrow(() -> new InvalidInputException("SUBNET_CIDR", settings.subnetCidr(),
                        "a subnet with a free guest address; IP pool exhausted (" + ips.size()
                                + " addresses recorded, .2 to .254 less the gateway): destroy an instance or "
                                + "set SUBNET_CIDR to another /24"));
            }
            Allocation a = new Allocation(port, ip);
            if (!store.createFolder(spec.id())) {
                throw new IllegalStateException("instance folder " + store.folder(spec.id()) + " appeared under the lock");
            }
            store.write(stateOf.apply(a));
            return a;
        }
    }

    private int checkPort(int port, Set<Integer> recorded) {
        if (recorded.contains(port)) {
            throw new InvalidInputException("--host-port", Integer.toString(port),
                    "a port no other instance records; another instance uses " + port);
        }
        if (!portFree.test(port)) {
            throw new InvalidInputException("--host-port", Integer.toString(port),
                    "a free port; something on this host is listening on " + port);
        }
        return port;
    }

    private int firstFreePort(Set<Integer> recorded) {
        for (int port = settings.basePort() + 1; port <= 65535; port++) {
            if (!recorded.contains(port) && portFree.test(port)) {
                return port;
            }
        }
        throw new InvalidInputException("BASE_PORT", Integer.toString(settings.basePort()),
                "a base port with free ports above it; none is free up to 65535");
    }
}
