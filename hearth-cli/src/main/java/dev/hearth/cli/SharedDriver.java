// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import dev.hearth.sandbox.DriverCapability;
import dev.hearth.sandbox.Sandbox;
import dev.hearth.sandbox.SandboxDriver;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.SandboxSpec;
import java.util.Set;

/**
 * A driver owned by someone else (the resident's warm pools), lent to one {@code hearth run}: everything passes
 * through except {@link #close()}, which leaves the driver open for the next run. Thread-safe as its delegate.
 *
 * @param delegate the owner's driver
 */
record SharedDriver(SandboxDriver delegate) implements SandboxDriver {

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public Set<DriverCapability> capabilities() {
        return delegate.capabilities();
    }

    @Override
    public Sandbox create(SandboxSpec spec) throws SandboxException, InterruptedException {
        return delegate.create(spec);
    }

    @Override
    public void ping() throws SandboxException {
        delegate.ping();
    }

    @Override
    public void close() {
        // the owner closes it
    }
}
