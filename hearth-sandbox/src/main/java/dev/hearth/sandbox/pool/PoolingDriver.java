// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.pool;

import dev.hearth.sandbox.DriverCapability;
import dev.hearth.sandbox.PoolCounts;
import dev.hearth.sandbox.PoolSettings;
import dev.hearth.sandbox.SandboxDriver;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.SandboxSpec;
import dev.hearth.sandbox.WarmPoolDriver;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Optional;
import java.util.Set;

/**
 * What every driver's {@link WarmPoolDriver} shares: a cold driver it stands in front of (its name, capabilities
 * and health are the pools'), a {@link WarmPools} whose sandboxes the subclass makes, checks and removes, and the
 * close order (drain the pools, then close the cold driver). A subclass says which specs have which key and how a
 * taken sandbox gets its job ({@link #create}). Thread-safe when the subclass's methods are.
 *
 * @param <K> the pool key
 * @param <S> a ready sandbox
 */
public abstract class PoolingDriver<K, S> implements WarmPoolDriver {

    private final SandboxDriver cold;
    /** The pools; a subclass takes from them in {@link #create} and hands back what its jobs used. */
    protected final WarmPools<K, S> pools;

    /**
     * @param cold the driver that makes sandboxes cold, and whose code makes the pooled ones
     * @param what what a pooled sandbox is, for logs ("container", "microVM")
     * @param settings pool size and idle limit
     * @param clock the pools' time
     */
    protected PoolingDriver(SandboxDriver cold, String what, PoolSettings settings, InstantSource clock) {
        this.cold = cold;
        this.pools = new WarmPools<>(what, settings, clock, new WarmPools.Maker<>() {
            @Override
            public Optional<S> make(K key) throws InterruptedException {
                return PoolingDriver.this.make(key);
            }

            @Override
            public boolean alive(S ready) {
                return PoolingDriver.this.alive(ready);
            }

            @Override
            public void remove(S sandbox) {
                PoolingDriver.this.remove(sandbox);
            }

            @Override
            public boolean refuses(K key) {
                return PoolingDriver.this.refuses(key);
            }
        });
    }

    /** The key of {@code spec}, or empty when this driver never pools such a spec. */
    protected abstract Optional<K> key(SandboxSpec spec);

    /** See {@link WarmPools.Maker#make}. */
    protected abstract Optional<S> make(K key) throws InterruptedException;

    /** See {@link WarmPools.Maker#alive}. */
    protected abstract boolean alive(S ready);

    /** See {@link WarmPools.Maker#remove}. */
    protected abstract void remove(S sandbox);

    /** See {@link WarmPools.Maker#refuses}; none by default. */
    protected boolean refuses(K key) {
        return false;
    }

    @Override
    public String name() {
        return cold.name();
    }

    @Override
    public Set<DriverCapability> capabilities() {
        return cold.capabilities();
    }

    @Override
    public PoolSettings settings() {
        return pools.settings();
    }

    @Override
    public PoolCounts counts() {
        return pools.counts();
    }

    @Override
    public boolean poolable(SandboxSpec spec) {
        return key(spec).filter(pools::pools).isPresent();
    }

    @Override
    public int ready(SandboxSpec like) {
        return key(like).map(pools::ready).orElse(0);
    }

    /** Ready sandboxes of all keys; for tests and status. */
    public int readyTotal() {
        return pools.readyTotal();
    }

    /** Waits up to {@code limit} until no background removal is queued or running; for tests. */
    public boolean awaitRemovals(Duration limit) throws InterruptedException {
        return pools.awaitRemovals(limit);
    }

    @Override
    public void ping() throws SandboxException {
        cold.ping();
    }

    /** Drains every pool ({@link WarmPools#close()}), then closes the cold driver. */
    @Override
    public void close() {
        pools.close();
        cold.close();
    }
}
