// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.docker;

import dev.hearth.sandbox.PoolSettings;
import dev.hearth.sandbox.Sandbox;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.SandboxSpec;
import dev.hearth.sandbox.pool.PoolingDriver;
import java.io.ByteArrayInputStream;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warm pools of Docker containers, one per {@link PoolKey}. A pooled container is made by the same
 * {@link DockerDriver#create} as a cold one (same host configuration, owner labels, fresh {@code /job} and quota)
 * from the key's {@link PoolKey#holderSpec holder spec}, and started idle. {@link #create} takes one (the job's files
 * are delivered into its {@code /job} then), or makes the sandbox cold when none is ready; each taken container is
 * used by one job and removed after it, in the background. Refill, idle limit and removals are
 * {@link dev.hearth.sandbox.pool.WarmPools}'. Thread-safe.
 */
final class DockerWarmPools extends PoolingDriver<PoolKey, DockerWarmPools.Ready> {

    private static final Logger log = LoggerFactory.getLogger(DockerWarmPools.class);
    /** After a take, the refill waits this long so its create and start do not compete with the job's own start. */
    static final long REFILL_DELAY_MILLIS = 300;

    /** A started idle container and its holder process's pid on the host (0 when the engine did not say). */
    record Ready(DockerSandbox container, long pid) {
        @Override
        public String toString() {
            return container.name();
        }
    }

    private final DockerDriver cold;
    /** Keys whose image has an entrypoint: an exec would skip it, so their jobs are made cold. */
    private final Set<PoolKey> refused = ConcurrentHashMap.newKeySet();

    DockerWarmPools(DockerDriver cold, PoolSettings settings, InstantSource clock) {
        super(cold, "container", settings, clock);
        this.cold = cold;
    }

    @Override
    protected Optional<PoolKey> key(SandboxSpec spec) {
        return PoolKey.of(spec);
    }

    @Override
    protected boolean alive(Ready r) {
        return ProcessHandle.of(r.pid()).map(ProcessHandle::isAlive).orElse(r.pid() == 0);
    }

    @Override
    protected void remove(Ready r) {
        r.container().close();
    }

    @Override
    protected boolean refuses(PoolKey key) {
        return refused.contains(key);
    }

    @Override
    public void prewarm(SandboxSpec like) {
        Optional<String> why = PoolKey.reason(like);
        if (why.isPresent()) {
            throw new IllegalArgumentException("cannot keep a warm pool for " + like.image() + ": " + why.get());
        }
        pools.want(PoolKey.of(like).orElseThrow(), 0);
    }

    @Override
    public Sandbox create(SandboxSpec spec) throws SandboxException, InterruptedException {
        Optional<PoolKey> key = PoolKey.of(spec).filter(pools::pools);
        if (key.isEmpty() || spec.command().isEmpty()) {
            return cold.create(spec);
        }
        pools.want(key.get(), REFILL_DELAY_MILLIS);
        Optional<Ready> taken = pools.take(key.get());
        if (taken.isEmpty()) {
            log.debug("no warm container ready for {}; making {} cold", key.get().image(), spec.name());
            return cold.create(spec);
        }
        DockerSandbox container = taken.get().container();
        // with no files, nothing to deliver: its /job and /job/out were made for the key's user at its creation
        if (!spec.files().isEmpty()) {
            try {
                cold.client().copyArchiveToContainerCmd(container.id())
                        .withTarInputStream(new ByteArrayInputStream(WorkspaceArchive.build(spec.files(), spec.user())))
                        .withRemotePath(SandboxSpec.WORKSPACE).exec();
            } catch (RuntimeException e) {
                pools.remove(taken.get());
                throw DockerErrors.translate("deliver files into pooled container " + container.name() + " for "
                        + spec.name(), e);
            }
        }
        log.debug("job {} takes warm container {}", spec.name(), container.name());
        return new WarmSandbox(cold.client(), container, taken.get().pid(), spec,
                used -> pools.remove(taken.get()));
    }

    /** One started idle container of {@code key}, or empty when the engine refused (logged; tried again later). */
    @Override
    protected Optional<Ready> make(PoolKey key) throws InterruptedException {
        DockerSandbox container = null;
        try {
            container = (DockerSandbox) cold.create(key.holderSpec("hearth-pool-" + UUID.randomUUID()));
            List<String> entrypoint = Optional.ofNullable(cold.client().inspectContainerCmd(container.id()).exec()
                    .getConfig().getEntrypoint()).map(List::of).orElse(List.of());
            if (!entrypoint.isEmpty()) {
                log.info("image {} has an entrypoint ({}): its jobs are made cold, not pooled", key.image(),
                        entrypoint);
                refused.add(key);
                container.close();
                return Optional.empty();
            }
            return Optional.of(new Ready(container, container.startIdle()));
        } catch (SandboxException | RuntimeException e) {
            log.warn("could not make a warm container of {}: {}", key.image(), e.getMessage());
            if (container != null) {
                container.close();
            }
            return Optional.empty();
        } catch (InterruptedException e) {
            if (container != null) {
                container.close(); // created, perhaps started: never left behind
            }
            throw e;
        }
    }
}
