// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;

/**
 * What the store contract's test interfaces need from the class that runs them: the store under test, its clock,
 * and a way to close and open it again. Also the small builders the tests share.
 */
interface StoreFixture {

    /** The store under test, open. */
    Store store();

    /** The clock the store was opened with. */
    MutableClock clock();

    /** Closes the store and opens the same database again; {@link #store()} is the new one afterwards. */
    Store reopen();

    /** Registers an online node with one GPU, heartbeating now. */
    default NodeRecord registerNode(String id) {
        Instant now = clock().instant();
        NodeRecord node = new NodeRecord(id, "key-" + id, id + ".example", "linux", "amd64", 8, 16L << 30,
                List.of("docker"), List.of(new GpuInfo(0, "NVIDIA L4", 23_034, "GPU-" + id)), "0.1.0", "1.0",
                NodeState.ONLINE, now, now);
        store().upsertNode(node);
        return node;
    }

    /** Submits a job with priority 0 and the given retries. */
    default JobRecord submit(String id, int maxRetries) {
        return store().submitJob(id, "{\"image\":\"hearth/busybox\"}", 0, maxRetries);
    }

    /** Submits a job and leases it to a freshly registered node. */
    default Lease leasedJob(String jobId, String nodeId) {
        registerNode(nodeId);
        submit(jobId, 0);
        return store().grantLease(jobId, nodeId);
    }

    /** The job, which must exist. */
    default JobRecord job(String id) {
        return store().job(id).orElseThrow(() -> new AssertionError("job " + id + " is not in the store"));
    }

    /**
     * Starts {@code threads} virtual threads that make {@code call(i)} all at the same moment, and returns their
     * futures once every one is done.
     */
    default <T> List<Future<T>> race(int threads, IntFunction<Callable<T>> call) {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<T>> outcomes = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < threads; i++) {
                Callable<T> one = call.apply(i);
                outcomes.add(pool.submit(() -> {
                    start.await();
                    return one.call();
                }));
            }
            start.countDown();
        }
        return outcomes;
    }
}
