// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * For running the {@link SandboxContract} on pooled sandboxes: a driver over a {@link WarmPoolDriver} whose every
 * poolable create waits until a warm sandbox is ready, fails when it was made cold all the same, and records which
 * sandbox each job got (a pooled sandbox carries the pool's id, not the job's name). Its close closes nothing: the
 * pools live for the whole test class.
 *
 * @param pools the pools under test
 * @param pooledHere whether a poolable spec can be pooled now (Docker: its image is present)
 * @param isPooled whether a sandbox came from a pool
 * @param ids job name to the id of the sandbox it got, filled as jobs are made
 */
public record WaitingPools(WarmPoolDriver pools, Predicate<SandboxSpec> pooledHere, Predicate<Sandbox> isPooled,
        Map<String, String> ids) implements SandboxDriver {

    /** Over {@code pools}, with an empty record of ids. */
    public WaitingPools(WarmPoolDriver pools, Predicate<SandboxSpec> pooledHere, Predicate<Sandbox> isPooled) {
        this(pools, pooledHere, isPooled, new ConcurrentHashMap<>());
    }

    @Override
    public String name() {
        return pools.name();
    }

    @Override
    public Set<DriverCapability> capabilities() {
        return pools.capabilities();
    }

    @Override
    public Sandbox create(SandboxSpec spec) throws SandboxException, InterruptedException {
        boolean pooled = pools.poolable(spec) && pooledHere.test(spec);
        if (pooled) {
            pools.prewarm(spec);
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (pools.ready(spec) == 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        }
        Sandbox s = pools.create(spec);
        if (pooled && !isPooled.test(s)) {
            s.close();
            throw new AssertionError(spec.name() + " was made cold though a warm sandbox was ready");
        }
        ids.put(spec.name(), s.id());
        return s;
    }

    @Override
    public void ping() throws SandboxException {
        pools.ping();
    }

    @Override
    public void close() {
        // the pools live for the whole class
    }
}
