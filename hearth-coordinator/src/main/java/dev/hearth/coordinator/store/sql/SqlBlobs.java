// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store.sql;

import dev.hearth.coordinator.store.Blobs;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/** {@link Blobs} over SQL: each call one transaction. */
final class SqlBlobs implements Blobs {

    private final Transactions tx;
    private final InstantSource clock;

    SqlBlobs(Transactions tx, InstantSource clock) {
        this.tx = tx;
        this.clock = clock;
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    @Override
    public boolean add(String owner, String digest, long size) {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(digest, "digest");
        return tx.write("record blob " + digest + " of " + owner, c -> BlobTable.add(c, owner, digest, size, now()));
    }

    @Override
    public OptionalLong size(String owner, String digest) {
        return tx.read("read blob " + digest + " of " + owner, c -> BlobTable.size(c, owner, digest));
    }

    @Override
    public long storedBytes(String owner) {
        return tx.read("sum the blobs of " + owner, c -> BlobTable.storedBytes(c, owner));
    }

    @Override
    public void reference(String jobId, Collection<String> digests) {
        if (!digests.isEmpty()) {
            tx.write("record the blobs of job " + jobId, c -> {
                BlobTable.reference(c, jobId, List.copyOf(digests), now());
                return null;
            });
        }
    }

    @Override
    public boolean referenced(String jobId, String digest) {
        return tx.read("read the blobs of job " + jobId, c -> BlobTable.referenced(c, jobId, digest));
    }

    @Override
    public List<String> expire(Instant cutoff) {
        return tx.write("expire blobs untouched since " + cutoff, c -> BlobTable.expire(c, cutoff));
    }

    @Override
    public boolean held(String digest) {
        return tx.read("read blob " + digest, c -> BlobTable.held(c, digest));
    }

    @Override
    public void addOutput(Output output) {
        Objects.requireNonNull(output, "output");
        tx.write("record output " + output.path() + " of job " + output.jobId(), c -> {
            BlobTable.addOutput(c, output, now());
            return null;
        });
    }

    @Override
    public List<Output> outputs(String jobId, long epoch) {
        return tx.read("read the outputs of job " + jobId, c -> BlobTable.outputs(c, jobId, epoch));
    }
}
