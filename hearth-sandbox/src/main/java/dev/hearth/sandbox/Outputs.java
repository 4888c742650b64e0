// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox;

import dev.hearth.core.receipt.OutputFile;
import java.util.Comparator;
import java.util.List;

/**
 * The files a workload left in {@link SandboxSpec#OUTPUT_DIR}, hashed.
 *
 * @param files regular files, sorted by path (absolute paths in the sandbox, as receipts name them)
 * @param truncated whether the folder held more than the {@link OutputLimits} allowed; {@code files} then lists
 *     only those read before a limit was reached
 */
public record Outputs(List<OutputFile> files, boolean truncated) {

    /** Nothing collected (a driver that cannot collect, or a workload that wrote nothing). */
    public static final Outputs NONE = new Outputs(List.of(), false);

    public Outputs {
        files = files.stream().sorted(Comparator.comparing(OutputFile::path)).toList();
    }
}
