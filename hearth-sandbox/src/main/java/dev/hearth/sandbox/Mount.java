// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox;

import dev.hearth.core.job.JobFile;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A host folder or file made visible inside the sandbox.
 *
 * @param hostPath absolute path on the host
 * @param sandboxPath absolute path inside the sandbox
 * @param readOnly whether the workload may only read it
 */
public record Mount(Path hostPath, String sandboxPath, boolean readOnly) {

    public Mount {
        Objects.requireNonNull(hostPath, "hostPath");
        if (!hostPath.isAbsolute()) {
            throw new IllegalArgumentException("mount source must be an absolute host path, got " + hostPath);
        }
        JobFile.checkPath("mount target", sandboxPath);
    }
}
