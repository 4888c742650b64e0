// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.microvm;

import dev.hearth.core.job.GpuRequest;
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
 * What shapes a pooled microVM, so two specs with the same key get VMs booted with identical settings: the image
 * (the guest root the driver boots), the limits (vCPUs, memory, the guest cgroup's quotas), the user, the root's
 * writability and the /tmp size; all of it is on the pooled VM's config drive. Network shape: none, the only one
 * pooled ({@link WarmPools#unpoolable}). Immutable.
 */
record VmPoolKey(String image, Limits limits, String user, boolean readOnlyRoot, ByteSize tmpSize) {

    /** The key of {@code spec}, or empty when it cannot be pooled. */
    static Optional<VmPoolKey> of(SandboxSpec spec) {
        return WarmPools.unpoolable(spec).isPresent() ? Optional.empty() : Optional.of(new VmPoolKey(spec.image(),
                spec.limits(), spec.user(), spec.readOnlyRoot(), spec.tmpSize()));
    }

    /** The spec a pooled VM is made from: the key's settings, nothing of a job's (its command is never run). */
    SandboxSpec holderSpec(String name) {
        return new SandboxSpec(name, WorkloadKind.JOB, image, List.of("true"), Map.of(), Map.of(), List.of(), limits,
                NetworkMode.NONE, List.of(), List.of(), GpuRequest.NONE, user, readOnlyRoot, tmpSize,
                ImagePullPolicy.NEVER, List.of());
    }
}
