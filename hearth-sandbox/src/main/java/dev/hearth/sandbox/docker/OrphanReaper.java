// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Network;
import dev.hearth.sandbox.OwnerProcess;
import dev.hearth.sandbox.SandboxSpec;
import dev.hearth.sandbox.WorkloadKind;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes job containers whose owner process died without removing them (killed with SIGKILL, host crash).
 *
 * <p>Every container Hearth makes carries labels naming its owner: host name, process id and that process's start
 * time (so a reused pid is not mistaken for the owner). Only job containers of this host are reaped; instances are
 * left for their supervisor to adopt. Sandbox networks ({@link SandboxNetwork}) carry the same labels: one whose
 * owner died and whose sandbox has no container any more (a job reaped here, an instance removed, a crash between
 * making the network and the container) is removed too.
 */
final class OrphanReaper {

    static final String LABEL_SANDBOX = "dev.hearth.sandbox";
    static final String LABEL_KIND = "dev.hearth.kind";
    static final String LABEL_HOST = "dev.hearth.owner.host";
    static final String LABEL_PID = "dev.hearth.owner.pid";
    static final String LABEL_STARTED = "dev.hearth.owner.started";

    private static final Logger log = LoggerFactory.getLogger(OrphanReaper.class);

    private final DockerClient docker;

    OrphanReaper(DockerClient docker) {
        this.docker = docker;
    }

    static Map<String, String> ownerLabels(SandboxSpec spec) {
        OwnerProcess self = OwnerProcess.current();
        return Map.of(
                LABEL_SANDBOX, spec.name(),
                LABEL_KIND, spec.kind().name().toLowerCase(Locale.ROOT),
                LABEL_HOST, hostName(),
                LABEL_PID, Long.toString(self.pid()),
                LABEL_STARTED, self.started());
    }

    /** Removes orphaned job containers of this host; returns how many. */
    int reap() {
        List<Container> jobs;
        try {
            jobs = docker.listContainersCmd().withShowAll(true)
                    .withLabelFilter(Map.of(LABEL_KIND, WorkloadKind.JOB.name().toLowerCase(Locale.ROOT)))
                    .exec();
        } catch (RuntimeException e) {
            log.warn("could not list containers to find orphaned jobs: {}", DockerErrors.rootMessage(e));
            return 0;
        }
        int reaped = 0;
        for (Container c : jobs) {
            Map<String, String> labels = c.getLabels();
            if (!hostName().equals(labels.get(LABEL_HOST)) || ownerAlive(labels)) {
                continue;
            }
            log.info("removing orphaned job container {} (owner pid {} is gone)", labels.get(LABEL_SANDBOX),
                    labels.get(LABEL_PID));
            DockerDriver.remove(docker, c.getId(), labels.get(LABEL_SANDBOX));
            reaped++;
        }
        return reaped + reapNetworks();
    }

    /** Removes orphaned sandbox networks of this host; returns how many. */
    int reapNetworks() {
        List<Network> networks;
        try {
            networks = docker.listNetworksCmd().withFilter("label", List.of(LABEL_SANDBOX)).exec();
        } catch (RuntimeException e) {
            log.warn("could not list networks to find orphaned ones: {}", DockerErrors.rootMessage(e));
            return 0;
        }
        int reaped = 0;
        for (Network n : networks) {
            Map<String, String> labels = n.getLabels() == null ? Map.of() : n.getLabels();
            if (!hostName().equals(labels.get(LABEL_HOST)) || ownerAlive(labels)
                    || containerExists(labels.get(LABEL_SANDBOX))) {
                continue;
            }
            log.info("removing orphaned network {} (owner pid {} is gone)", n.getName(), labels.get(LABEL_PID));
            SandboxNetwork.remove(docker, n.getName());
            if (labels.get(LABEL_SANDBOX) != null) {
                // an allowlisted sandbox's chains outlive the process that made them
                dev.hearth.sandbox.net.SandboxFence.removeLeftover(SandboxNetwork.bridgeOf(labels.get(LABEL_SANDBOX)));
            }
            reaped++;
        }
        return reaped;
    }

    private boolean containerExists(String name) {
        if (name == null) {
            return true; // not ours to judge
        }
        try {
            docker.inspectContainerCmd(name).exec();
            return true;
        } catch (NotFoundException gone) {
            return false;
        } catch (RuntimeException e) {
            return true;
        }
    }

    private static boolean ownerAlive(Map<String, String> labels) {
        // a label that is not a pid is not ours to judge: treated as alive
        return OwnerProcess.parse(labels.get(LABEL_PID), labels.get(LABEL_STARTED)).map(OwnerProcess::alive)
                .orElse(true);
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return System.getenv().getOrDefault("HOSTNAME", "localhost");
        }
    }
}
