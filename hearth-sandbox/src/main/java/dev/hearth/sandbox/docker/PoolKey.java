// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.docker;

import dev.hearth.core.job.Limits;
import dev.hearth.core.job.NetworkMode;
import dev.hearth.core.units.ByteSize;
import dev.hearth.sandbox.ImagePullPolicy;
import dev.hearth.sandbox.SandboxSpec;
import dev.hearth.sandbox.WorkloadKind;
import dev.hearth.sandbox.pool.WarmPools;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What shapes a pooled container, so two specs with the same key get containers with identical settings: the
 * image, the limits, the user, the root's writability and the /tmp size. Only jobs without network, published
 * ports, mounts or GPUs are pooled (those need per-job engine state: a network, a fence, bindings). Immutable.
 */
record PoolKey(String image, Limits limits, String user, boolean readOnlyRoot, ByteSize tmpSize,
        ImagePullPolicy pullPolicy) {

    /** The command a pooled container idles in until a job takes it: it outlives any job's timeout. */
    static final List<String> HOLDER = List.of("sleep", "2147483647");

    /** The key of {@code spec}, or empty when it cannot be pooled. */
    static Optional<PoolKey> of(SandboxSpec spec) {
        return reason(spec).isPresent() ? Optional.empty() : Optional.of(new PoolKey(spec.image(), spec.limits(),
                spec.user(), spec.readOnlyRoot(), spec.tmpSize(), spec.pullPolicy()));
    }

    /** Why {@code spec} cannot be pooled, or empty when it can. */
    static Optional<String> reason(SandboxSpec spec) {
        return WarmPools.unpoolable(spec);
    }

    /** The spec a pooled container is created from: the key's settings, the holder command, nothing of a job's. */
    SandboxSpec holderSpec(String name) {
        return new SandboxSpec(name, WorkloadKind.JOB, image, HOLDER, Map.of(), Map.of(), List.of(), limits,
                NetworkMode.NONE, List.of(), List.of(), dev.hearth.core.job.GpuRequest.NONE, user, readOnlyRoot,
                tmpSize, pullPolicy, List.of());
    }
}
