// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Volume;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import com.github.dockerjava.transport.DockerHttpClient;
import dev.hearth.core.job.NetworkMode;
import dev.hearth.sandbox.DriverCapability;
import dev.hearth.sandbox.EngineUnavailableException;
import dev.hearth.sandbox.Sandbox;
import dev.hearth.sandbox.SandboxDriver;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.SandboxSpec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs sandboxes as Docker containers through the Engine API (docker-java, Apache HttpClient 5 transport).
 *
 * <p>Each container is locked down by default (see {@link ContainerSettings}), labelled with its owner process so
 * that {@link OrphanReaper} can remove jobs whose owner died without cleaning up, and always removed with its
 * volumes on {@link Sandbox#close()}. Thread-safe.
 */
public final class DockerDriver implements SandboxDriver {

    /** Where the engine is found when DOCKER_HOST is not set. */
    public static final String DEFAULT_HOST = "unix:///var/run/docker.sock";

    private static final Logger log = LoggerFactory.getLogger(DockerDriver.class);

    private final DockerClient docker;
    private final String host;
    private final DockerImages images;
    private volatile WorkspaceVolume.Quota quota = WorkspaceVolume.Quota.from(System.getenv());
    private final SandboxNetwork networks;
    private final Set<DockerSandbox> open = ConcurrentHashMap.newKeySet();

    private DockerDriver(DockerClient docker, DockerHttpClient http, DockerClientConfig config, String host,
            ImagePolicy policy) {
        this.docker = docker;
        this.host = host;
        this.images = new DockerImages(docker, http, config, policy);
        this.networks = SandboxNetwork.onHost(docker);
    }

    /**
     * Connects to the engine named by DOCKER_HOST, or {@link #DEFAULT_HOST}, and checks that it answers.
     *
     * @throws EngineUnavailableException with one line saying where it looked and how to start the engine
     */
    public static DockerDriver connect() throws EngineUnavailableException {
        String env = System.getenv("DOCKER_HOST");
        return connect(env == null || env.isBlank() ? DEFAULT_HOST : env);
    }

    /**
     * Connects to the engine at {@code host} ({@code unix:///path} or {@code tcp://host:port}), pulling as the
     * process environment's {@link ImagePolicy} allows.
     */
    public static DockerDriver connect(String host) throws EngineUnavailableException {
        return connect(host, ImagePolicy.from(System.getenv()));
    }

    /** Connects to the engine at {@code host}, pulling only as {@code policy} allows. */
    public static DockerDriver connect(String host, ImagePolicy policy) throws EngineUnavailableException {
        DockerClient client;
        DockerClientConfig config;
        DockerHttpClient http;
        try {
            config = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(host).build();
            http = new ApacheDockerHttpClient.Builder()
                    .dockerHost(URI.create(host))
                    .sslConfig(config.getSSLConfig())
                    .maxConnections(64)
                    .connectionTimeout(Duration.ofSeconds(5))
                    .build();
            client = DockerClientImpl.getInstance(config, http);
            client.pingCmd().exec();
        } catch (RuntimeException e) {
            throw new EngineUnavailableException("cannot reach the Docker engine at " + host + " ("
                    + DockerErrors.rootMessage(e) + "); start it with 'sudo systemctl start docker' "
                    + "(or run scripts/setup-host), or set DOCKER_HOST to a running engine", e);
        }
        DockerDriver driver = new DockerDriver(client, http, config, host, policy);
        new OrphanReaper(client).reap();
        WorkspaceVolume.reap(driver.quota.root(), name -> {
            try {
                client.inspectContainerCmd(name).exec();
                return true;
            } catch (NotFoundException gone) {
                return false;
            } catch (RuntimeException e) {
                return true; // unsure: leave it
            }
        });
        return driver;
    }

    @Override
    public String name() {
        return "docker";
    }

    @Override
    public Set<DriverCapability> capabilities() {
        return EnumSet.of(DriverCapability.NETWORK_NAT, DriverCapability.PUBLISHED_PORTS, DriverCapability.EXEC,
                DriverCapability.MOUNTS, DriverCapability.GPU);
    }

    /** The engine address this driver talks to. */
    public String host() {
        return host;
    }

    /** Long-lived containers on the same engine (instances), addressed by name and never closed with the driver. */
    public DockerContainers containers() {
        return new DockerContainers(docker, networks);
    }

    /** The engine client, for the warm pools on this driver ({@link DockerWarmPools}). */
    DockerClient client() {
        return docker;
    }

    /**
     * Warm pools on this driver, sized by {@code settings}: the returned driver hands out pre-started containers
     * and makes the rest cold through this one. Closing it drains the pools and closes this driver.
     */
    public dev.hearth.sandbox.WarmPoolDriver warmPools(dev.hearth.sandbox.PoolSettings settings) {
        return new DockerWarmPools(this, settings, java.time.InstantSource.system());
    }

    /** Test seam: another quota on the {@code /job} of sandboxes created from now on. */
    void workspaceQuota(WorkspaceVolume.Quota q) {
        quota = q;
    }

    /** Image operations on the same engine: presence, pull, import from a root filesystem. */
    public DockerImages images() {
        return images;
    }

    /** The sandbox's own network when it is NAT'd; when that cannot be made, its {@code /job} goes too. */
    private Optional<String> network(SandboxSpec spec, Optional<WorkspaceVolume> workspace)
            throws SandboxException, InterruptedException {
        if (spec.network() != NetworkMode.NAT) {
            return Optional.empty();
        }
        boolean made = false;
        try {
            Optional<String> network = Optional.of(networks.create(spec));
            made = true;
            return network;
        } finally {
            if (!made) {
                workspace.ifPresent(WorkspaceVolume::close);
            }
        }
    }

    @Override
    public Sandbox create(SandboxSpec spec) throws SandboxException, InterruptedException {
        images.ensure(spec.image(), spec.pullPolicy());
        Optional<WorkspaceVolume> workspace = quota.bytes().isEmpty() ? Optional.empty()
                : Optional.of(WorkspaceVolume.make(quota.root(), spec.name(), quota.bytes().get()));
        Optional<String> network = network(spec, workspace);
        String id;
        try (CreateContainerCmd cmd = docker.createContainerCmd(spec.image())) {
            cmd.withName(spec.name())
                    .withUser(spec.user())
                    .withWorkingDir(SandboxSpec.WORKSPACE)
                    .withEnv(ContainerSettings.environment(spec))
                    .withLabels(OrphanReaper.ownerLabels(spec))
                    .withVolumes(new Volume(SandboxSpec.WORKSPACE))
                    .withExposedPorts(ContainerSettings.exposedPorts(spec))
                    .withAttachStdin(false).withStdinOpen(false).withTty(false)
                    .withHostConfig(ContainerSettings.hostConfig(spec, network,
                            network.flatMap(n -> networks.dns(spec.name()))));
            if (!spec.command().isEmpty()) {
                cmd.withCmd(spec.command());
            }
            workspace.ifPresent(w -> WorkspaceVolume.bind(cmd.getHostConfig(), w));
            id = cmd.exec().getId();
        } catch (RuntimeException e) {
            workspace.ifPresent(WorkspaceVolume::close);
            network.ifPresent(n -> networks.remove(spec.name()));
            throw DockerErrors.translate("create container " + spec.name(), e);
        }
        // the network and the /job mount go after the container (the engine refuses to remove a network in use;
        // nothing holds the mount once the container is gone)
        DockerSandbox sandbox = new DockerSandbox(docker, id, spec.name(), s -> {
            open.remove(s);
            workspace.ifPresent(WorkspaceVolume::close);
            network.ifPresent(n -> networks.remove(spec.name()));
        });
        open.add(sandbox);
        try {
            docker.copyArchiveToContainerCmd(id)
                    .withTarInputStream(new ByteArrayInputStream(WorkspaceArchive.build(spec.files(), spec.user())))
                    .withRemotePath(SandboxSpec.WORKSPACE)
                    .exec();
        } catch (RuntimeException e) {
            sandbox.close();
            throw DockerErrors.translate("deliver files into container " + spec.name(), e);
        }
        if (Thread.currentThread().isInterrupted()) {
            sandbox.close();
            throw new InterruptedException("interrupted while creating container " + spec.name());
        }
        log.debug("created container {} ({}) for sandbox {}", id, spec.image(), spec.name());
        return sandbox;
    }

    /** Removes a container and its anonymous volumes, retrying while the engine is busy with it. */
    static void remove(DockerClient docker, String id, String name) {
        for (int attempt = 1; ; attempt++) {
            try {
                docker.removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec();
                return;
            } catch (NotFoundException gone) {
                return;
            } catch (ConflictException busy) {
                if (attempt >= 10) {
                    log.error("could not remove container {} ({}) after {} attempts: {}", name, id, attempt,
                            busy.getMessage());
                    return;
                }
                try {
                    Thread.sleep(200L * attempt);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    log.error("interrupted while removing container {} ({}); it may remain", name, id);
                    return;
                }
            } catch (RuntimeException e) {
                log.error("could not remove container {} ({}): {}", name, id, DockerErrors.rootMessage(e));
                return;
            }
        }
    }

    /** Containers this process created and has not closed yet. */
    public int openSandboxes() {
        return open.size();
    }

    @Override
    public synchronized void close() {
        // synchronized: a shutdown hook and the owner's try-with-resources may close at once; the second must wait
        // for the first to remove every container, not shut the engine connection underneath it
        List<DockerSandbox> left = new ArrayList<>(open);
        for (DockerSandbox s : left) {
            s.close();
        }
        try {
            docker.close();
        } catch (IOException e) {
            log.debug("closing the Docker client failed: {}", e.toString());
        }
    }

    @Override
    public void ping() throws SandboxException {
        try {
            docker.pingCmd().exec();
        } catch (RuntimeException e) {
            throw DockerErrors.translate("ping the Docker engine at " + host, e);
        }
    }

    /** Engine facts for reports: version and API version. */
    public Map<String, String> engineVersion() throws SandboxException {
        try {
            var v = docker.versionCmd().exec();
            return Map.of("version", v.getVersion(), "apiVersion", v.getApiVersion());
        } catch (RuntimeException e) {
            throw DockerErrors.translate("read the engine version", e);
        }
    }
}
