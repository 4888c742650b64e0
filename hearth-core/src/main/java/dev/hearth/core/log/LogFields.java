// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.log;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.MDC;

/**
 * The structured fields of a log line (slf4j MDC keys), so ids are fields a log tool filters on rather than words
 * inside the message: {@code job}, {@code node}, {@code epoch}, {@code client}, {@code instance} and {@code trace}
 * (the W3C trace id one job's lines share from submit to verdict). Set for the current thread; {@link Scope#close} removes what it
 * set. Never holds a secret: these are ids only.
 */
public final class LogFields {

    /** The job id. */
    public static final String JOB = "job";
    /** The node id. */
    public static final String NODE = "node";
    /** The lease epoch. */
    public static final String EPOCH = "epoch";
    /** The client (tenant) that owns the job. */
    public static final String CLIENT = "client";
    /** An instance id (unique on its node: lines about an instance carry {@link #NODE} too where it is known). */
    public static final String INSTANCE = "instance";
    /** The trace id of a W3C traceparent. */
    public static final String TRACE = "trace";
    /** Where a job's sandbox came from: {@code warm} (a pool's, started before the job) or {@code cold}. */
    public static final String SANDBOX = "sandbox";

    /** The form of a field's value: what ids, epochs, account names and trace ids look like. */
    public static final String ID_FORM = "[A-Za-z0-9._:@-]{1,128}";
    private static final java.util.regex.Pattern ID = java.util.regex.Pattern.compile(ID_FORM);

    private LogFields() {
    }

    /** Fields set on this thread until closed; not thread-safe (like the MDC, it belongs to one thread). */
    public static final class Scope implements AutoCloseable {
        private final List<String[]> set = new ArrayList<>(); // key, the value it had before

        private Scope() {
        }

        /**
         * Adds {@code key=value}; nothing for a null value or one that is not an id ({@value #ID_FORM}): a peer
         * chooses some of these ids, and a field must stay a short token a log tool can filter on.
         */
        public Scope with(String key, Object value) {
            if (value != null && ID.matcher(String.valueOf(value)).matches()) {
                set.add(new String[] {key, MDC.get(key)});
                MDC.put(key, String.valueOf(value));
            }
            return this;
        }

        /** Removes the fields this scope set, giving back the values an outer scope had set. */
        @Override
        public void close() {
            for (int i = set.size() - 1; i >= 0; i--) {
                String[] kv = set.get(i);
                if (kv[1] == null) {
                    MDC.remove(kv[0]);
                } else {
                    MDC.put(kv[0], kv[1]);
                }
            }
        }
    }

    /** A scope with no field yet. */
    public static Scope scope() {
        return new Scope();
    }

    /** The fields of one instance on one node (either may be null and is then left out). */
    public static Scope instance(String nodeId, String instanceId) {
        return scope().with(NODE, nodeId).with(INSTANCE, instanceId);
    }

    /** The fields of one job's lease: job, node, epoch and trace id (any may be null and is then left out). */
    public static Scope job(String jobId, String nodeId, Long epoch, String traceId) {
        return scope().with(JOB, jobId).with(NODE, nodeId).with(EPOCH, epoch).with(TRACE, traceId);
    }
}
