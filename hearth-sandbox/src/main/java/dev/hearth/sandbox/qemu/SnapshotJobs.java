// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.sandbox.SandboxException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * QEMU's snapshot jobs on a VM's {@link VmStateImage} (QMP {@code snapshot-save}, {@code snapshot-load},
 * {@code snapshot-delete}, QEMU 6.0 and later): each is started with a job id, polled with {@code query-jobs} until it
 * is {@code concluded}, and dismissed; a concluded job with an {@code error} fails. Only the state image is named in
 * {@code devices}, so the guest's own disks (raw, never snapshotted) stay as the guest left them. Stateless.
 */
final class SnapshotJobs {

    /** The snapshot's name in the state image; one saved state per image. */
    static final String TAG = "hearth";
    private static final Duration POLL = Duration.ofMillis(10);

    private SnapshotJobs() {
    }

    /** Saves the stopped VM's memory and devices into the state image, waiting up to {@code within}. */
    static void save(QmpClient qmp, String vm, Duration within) throws SandboxException, InterruptedException {
        run(qmp, "snapshot-save", vm, within);
    }

    /** Loads the saved state into a VM started with {@code -S} from the same machine, disks and devices. */
    static void load(QmpClient qmp, String vm, Duration within) throws SandboxException, InterruptedException {
        run(qmp, "snapshot-load", vm, within);
    }

    /** Whether the state image holds a saved state (its qcow2 snapshot table names {@link #TAG}). */
    static boolean saved(QmpClient qmp, Duration within) throws SandboxException, InterruptedException {
        for (JsonNode node : qmp.execute("query-named-block-nodes", Map.of(), within)) {
            if (VmStateImage.NODE.equals(node.path("node-name").asText())) {
                for (JsonNode snapshot : node.path("image").path("snapshots")) {
                    if (TAG.equals(snapshot.path("name").asText())) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** Deletes the saved state (its clusters are reused by the next save). */
    static void delete(QmpClient qmp, String vm, Duration within) throws SandboxException, InterruptedException {
        qmp.execute("snapshot-delete", Map.of("job-id", jobId("snapshot-delete", vm), "tag", TAG,
                "devices", List.of(VmStateImage.NODE)), within);
        await(qmp, "snapshot-delete", vm, within);
    }

    private static void run(QmpClient qmp, String command, String vm, Duration within)
            throws SandboxException, InterruptedException {
        qmp.execute(command, Map.of("job-id", jobId(command, vm), "tag", TAG, "vmstate", VmStateImage.NODE,
                "devices", List.of(VmStateImage.NODE)), within);
        await(qmp, command, vm, within);
    }

    static String jobId(String command, String vm) {
        return command + "-" + vm;
    }

    private static void await(QmpClient qmp, String command, String vm, Duration within)
            throws SandboxException, InterruptedException {
        String id = jobId(command, vm);
        long deadline = System.nanoTime() + within.toNanos();
        String last = "not listed";
        while (System.nanoTime() < deadline) {
            for (JsonNode job : qmp.execute("query-jobs", Map.of(), within)) {
                if (!id.equals(job.path("id").asText())) {
                    continue;
                }
                last = job.path("status").asText();
                if ("concluded".equals(last)) {
                    qmp.execute("job-dismiss", Map.of("id", id), within);
                    if (job.hasNonNull("error")) {
                        throw new SandboxException("QEMU's " + command + " of VM " + vm + " failed: "
                                + job.path("error").asText());
                    }
                    return;
                }
            }
            Thread.sleep(POLL.toMillis());
        }
        throw new SandboxException("QEMU's " + command + " of VM " + vm + " did not end within " + within
                + " (job status: " + last + ")");
    }
}
