// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.OptionalLong;

/**
 * Who may use which uploaded blob, and which jobs name which: the rows behind the content-addressed files in the
 * data folder. A blob belongs to every owner who uploaded it (the bytes are kept once). Thread-safe.
 */
public interface Blobs {

    /**
     * Records that {@code owner} holds {@code digest} of {@code size} bytes, or touches its row when it already
     * does.
     *
     * @return whether the row is new
     */
    boolean add(String owner, String digest, long size);

    /** The size of {@code owner}'s blob {@code digest}; empty when it holds none by that digest. */
    OptionalLong size(String owner, String digest);

    /** The bytes {@code owner}'s blobs and its jobs' stored outputs add up to. */
    long storedBytes(String owner);

    /** Records that job {@code jobId} names these digests (it keeps them from retention while it is unfinished). */
    void reference(String jobId, Collection<String> digests);

    /** Whether job {@code jobId}'s spec names {@code digest}. */
    boolean referenced(String jobId, String digest);

    /**
     * Removes the rows untouched since before {@code cutoff} whose digest no unfinished job names, the
     * references of finished jobs, and the outputs of pruned (or removed) jobs.
     *
     * @return the digests no row holds any more: the files to delete
     */
    List<String> expire(Instant cutoff);

    /** Whether any owner holds {@code digest}, as a blob or as a job's output. */
    boolean held(String digest);

    /**
     * A file a job left in /job/out as the node holding its lease at {@code epoch} uploaded it.
     *
     * @param path its path below /job/out
     * @param sha256 its SHA-256, 64 lower-case hex digits
     * @param owner the job's account, whose quota it counts against
     */
    record Output(String jobId, long epoch, String path, String sha256, long size, String owner) {
    }

    /** Records an uploaded output (replacing one of the same job, epoch and path). */
    void addOutput(Output output);

    /** The outputs uploaded for a job under {@code epoch}, by path. */
    List<Output> outputs(String jobId, long epoch);
}
