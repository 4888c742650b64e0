// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.oracle;

import dev.hearth.coordinator.store.Check;
import dev.hearth.coordinator.store.StoredSpec;
import dev.hearth.coordinator.store.Lease;
import dev.hearth.coordinator.store.ResultRecord;
import dev.hearth.core.protocol.JobOffer;
import dev.hearth.core.protocol.JobResultMessage;
import dev.hearth.core.receipt.Receipt;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code receipt} check: what the receipt states matches the result message it came with, the lease it was
 * sent under, and the spec the coordinator handed out. Stateless.
 */
final class ReceiptFields {

    private ReceiptFields() {
    }

    static Check check(Receipt r, JobResultMessage m, ResultRecord result, Optional<StoredSpec> stored,
            Optional<Lease> lease) {
        List<String> wrong = new ArrayList<>();
        compare(wrong, "format", Receipt.FORMAT, r.format());
        compare(wrong, "jobId", result.jobId(), r.jobId());
        compare(wrong, "epoch", result.epoch(), r.epoch());
        compare(wrong, "nodeId", result.nodeId(), r.nodeId());
        compare(wrong, "status", m.status(), r.status());
        compare(wrong, "exitCode", m.exitCode(), r.exitCode());
        compare(wrong, "logsHash", m.logsHash(), r.logsHash());
        compare(wrong, "executionHash", m.executionHash(), r.executionHash());
        compare(wrong, "timestamp", m.timestamp(), r.timestamp());
        compare(wrong, "finishedAt", m.completedAt(), r.finishedAt());
        compare(wrong, "startedAt", m.startedAt(), r.startedAt());
        compare(wrong, "logBytes", m.logBytes(), r.logBytes());
        compare(wrong, "logsTruncated", m.logsTruncated(), r.logsTruncated());
        if (stored.isPresent()) {
            JobOffer.WireJobSpec spec = stored.get().spec();
            compare(wrong, "image", spec.image(), r.image());
            compare(wrong, "command", spec.command(), r.command());
            if (r.limits() == null) {
                wrong.add("limits: absent in the receipt");
            } else {
                compare(wrong, "limits.memory", spec.memory(), r.limits().memory());
                compare(wrong, "limits.cpus", spec.cpus(), r.limits().cpus());
                compare(wrong, "limits.pids", spec.pids(), r.limits().pids());
                compare(wrong, "limits.network",
                        dev.hearth.core.job.NetworkPolicy.fromJson("network", spec.network()).toString(),
                        r.limits().network());
                if (r.limits().timeoutSeconds() > spec.timeoutSeconds()) {
                    wrong.add("limits.timeoutSeconds: " + r.limits().timeoutSeconds() + " in the receipt, more than the "
                            + spec.timeoutSeconds() + " the job allows");
                }
            }
        }
        lease.ifPresent(l -> compare(wrong, "gpus", l.gpuIndexes(), r.gpus()));
        return wrong.isEmpty()
                ? Check.holds("receipt", "the receipt agrees with the result, its lease and the job's spec")
                : Check.fails("receipt", String.join("; ", wrong));
    }

    /** Notes a field whose signed value differs from the expected one (numbers compared by value). */
    private static void compare(List<String> wrong, String field, Object expected, Object signed) {
        Object e = expected instanceof Integer i ? Long.valueOf(i) : expected;
        Object s = signed instanceof Integer i ? Long.valueOf(i) : signed;
        if (!Objects.equals(e, s)) {
            wrong.add(field + ": " + shown(s) + " in the signed receipt, " + shown(e) + " expected");
        }
    }

    /** A value as the verdict shows it: at most 200 characters, so a huge field cannot swell the stored verdict. */
    private static String shown(Object value) {
        String text = String.valueOf(value);
        return text.length() <= 200 ? text : text.substring(0, 200) + "... (" + text.length() + " characters)";
    }
}
