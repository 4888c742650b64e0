// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.instances;

import dev.hearth.sandbox.GuestDriver;
import dev.hearth.sandbox.GuestWorkload;
import dev.hearth.sandbox.SandboxException;
import java.io.IOException;

/**
 * Configures the service inside an instance's guest and lets it start: what runs there ({@link #workload}) and how
 * it is set up ({@link #provision}). OpenClaw's is {@link OpenClawProvisioner}; tests use a small HTTP service.
 * Implementations are stateless and thread-safe.
 */
public interface Provisioner {

    /** What the guest of {@code state} runs. */
    GuestWorkload workload(InstanceState state);

    /**
     * Configures the running guest with the instance's settings and secrets (secrets through files written by the
     * runtime, never command lines), then lets the service start. Safe to run again ({@code hearth instance
     * provision}).
     *
     * @throws ProvisioningException naming the command that failed and its output (secrets never in it)
     */
    void provision(GuestDriver runtime, InstanceState state, InstanceSecrets secrets, StepProgress progress)
            throws SandboxException, InterruptedException, IOException;

    /** Provisioning failed inside the guest. */
    final class ProvisioningException extends IOException {
        public ProvisioningException(String message) {
            super(message);
        }
    }
}
