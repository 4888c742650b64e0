// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.api;

import dev.hearth.coordinator.store.StoredSpec;
import dev.hearth.coordinator.store.Hold;
import dev.hearth.coordinator.store.JobRecord;
import dev.hearth.coordinator.store.JobState;
import dev.hearth.coordinator.store.Quota;
import dev.hearth.coordinator.store.Store;
import dev.hearth.core.units.ByteSize;
import dev.hearth.core.units.CpuQuota;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;

/**
 * A client's job quotas, checked at submission against the jobs it has live: queued, leased or running jobs whose
 * hold is on its account (copies of k-of-n jobs count one each), read in one query. Thread-safe (reads the store
 * only).
 */
final class JobQuota {

    /** A limit a submission would pass: its name in {@link Quota}, the limit, and what is in use with the new job. */
    record Exceeded(String limit, String allowed, String wouldBe) {
    }

    private JobQuota() {
    }

    /** The account that owns a job: the one its price is held from ({@code client:default} for none). */
    static String owner(Store store, String jobId) {
        return store.ledger().hold(jobId).map(Hold::accountId).orElse("client:default");
    }

    /** A job a submission adds: its spec, in {@code copies} copies (k-of-n jobs run n). */
    record Added(StoredSpec spec, int copies) {
    }

    /** The first limit that one more job of {@code spec} (in {@code copies} copies) would pass, if any. */
    static Optional<Exceeded> check(Store store, Quota quota, String account, StoredSpec spec, int copies) {
        return check(store, quota, account, List.of(new Added(spec, copies)));
    }

    /** The first limit that the jobs {@code added} (a batch, all at once) would pass, if any. */
    static Optional<Exceeded> check(Store store, Quota quota, String account, List<Added> added) {
        int copies = 0;
        double cpus = 0;
        long memory = 0;
        long gpus = 0;
        for (Added a : added) {
            copies += a.copies();
            cpus += a.copies() * cpus(a.spec());
            memory += a.copies() * memory(a.spec());
            gpus += (long) a.copies() * a.spec().gpuCount();
        }
        List<JobRecord> live = store.jobsOwnedBy(account, EnumSet.of(JobState.QUEUED, JobState.LEASED,
                JobState.RUNNING));
        long queued = live.stream().filter(j -> j.state() == JobState.QUEUED).count();
        long running = live.size() - queued;
        if (quota.queuedJobs() > 0 && queued + copies > quota.queuedJobs()) {
            return Optional.of(new Exceeded("queuedJobs", String.valueOf(quota.queuedJobs()),
                    String.valueOf(queued + copies)));
        }
        long concurrent = running + queued + copies;
        if (quota.concurrentJobs() > 0 && concurrent > quota.concurrentJobs()) {
            return Optional.of(new Exceeded("concurrentJobs", String.valueOf(quota.concurrentJobs()),
                    String.valueOf(concurrent)));
        }
        for (JobRecord j : live) {
            StoredSpec s = j.spec();
            cpus += cpus(s);
            memory += memory(s);
            gpus += s.gpuCount();
        }
        if (quota.cpus() > 0 && cpus > quota.cpus()) {
            return Optional.of(new Exceeded("cpus", String.valueOf(quota.cpus()), String.valueOf(cpus)));
        }
        if (quota.memoryBytes() > 0 && memory > quota.memoryBytes()) {
            return Optional.of(new Exceeded("memoryBytes", String.valueOf(quota.memoryBytes()), String.valueOf(memory)));
        }
        if (quota.gpus() > 0 && gpus > quota.gpus()) {
            return Optional.of(new Exceeded("gpus", String.valueOf(quota.gpus()), String.valueOf(gpus)));
        }
        return Optional.empty();
    }

    private static double cpus(StoredSpec s) {
        return CpuQuota.parse("cpus", s.spec().cpus()).nanoCpus() / 1e9;
    }

    private static long memory(StoredSpec s) {
        return ByteSize.parse("memory", s.spec().memory()).bytes();
    }
}
