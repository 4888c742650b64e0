// SPDX-License-Identifier: Apache-2.0
package dev.hearth.client;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@link Job#downloadOutputs} wrote. Immutable.
 *
 * @param files the files written, each verified against the receipt
 * @param notStored outputs the coordinator lists but does not hold (over its caps): only their hash is known
 */
public record DownloadedOutputs(List<Path> files, List<OutputFile> notStored) {

    public DownloadedOutputs {
        files = List.copyOf(files);
        notStored = List.copyOf(notStored);
    }
}
