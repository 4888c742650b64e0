// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import dev.hearth.core.InvalidInputException;
import dev.hearth.core.units.ByteSize;
import dev.hearth.core.units.CpuQuota;
import java.util.Locale;

/**
 * The most of a node's declared capacity the scheduler believes: a node declaring more (a hostile one declaring
 * 100000 slots, say) is placed as if it declared this. A limit of {@link Integer#MAX_VALUE} or {@link Long#MAX_VALUE}
 * is none. Immutable.
 *
 * @param slots concurrent jobs
 * @param nanoCpus CPUs, in billionths
 * @param memoryBytes memory
 * @param gpus GPUs
 */
public record NodeLimits(int slots, long nanoCpus, long memoryBytes, int gpus) {

    /** No limit: the declared capacity stands. */
    public static final NodeLimits NONE = new NodeLimits(Integer.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE,
            Integer.MAX_VALUE);

    /** The default per-node limit: 16 slots; CPUs, memory and GPUs as declared. */
    public static final NodeLimits DEFAULT = NONE.withSlots(16);

    public NodeLimits {
        if (slots < 0 || nanoCpus < 0 || memoryBytes < 0 || gpus < 0) {
            throw new IllegalArgumentException("node limits must not be negative, got slots " + slots + ", nanoCpus "
                    + nanoCpus + ", memory " + memoryBytes + ", gpus " + gpus);
        }
    }

    /** These limits with another slot limit. */
    public NodeLimits withSlots(int value) {
        return new NodeLimits(value, nanoCpus, memoryBytes, gpus);
    }

    /**
     * Reads {@code slots=N,cpus=X,memory=SIZE,gpus=G} (any of them, in any order) over {@code base}: what is not named
     * keeps its value in {@code base}.
     *
     * @param field the flag or field the text came from, for the error
     * @throws InvalidInputException naming {@code field} and the accepted form when the text does not read
     */
    public static NodeLimits parse(String field, String text, NodeLimits base) {
        NodeLimits out = base;
        for (String part : text.split(",")) {
            String[] kv = part.split("=", 2);
            if (kv.length != 2) {
                throw new InvalidInputException(field, text, FORM);
            }
            String v = kv[1].strip();
            try {
                out = switch (kv[0].strip().toLowerCase(Locale.ROOT)) {
                    case "slots" -> out.withSlots(Integer.parseInt(v));
                    case "cpus" -> new NodeLimits(out.slots, CpuQuota.parse(field, v).nanoCpus(), out.memoryBytes,
                            out.gpus);
                    case "memory" -> new NodeLimits(out.slots, out.nanoCpus, ByteSize.parse(field, v).bytes(),
                            out.gpus);
                    case "gpus" -> new NodeLimits(out.slots, out.nanoCpus, out.memoryBytes, Integer.parseInt(v));
                    default -> throw new InvalidInputException(field, text, FORM);
                };
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException(field, text, FORM);
            }
        }
        return out;
    }

    /** The accepted form of {@link #parse}. */
    public static final String FORM = "slots=N,cpus=X,memory=SIZE,gpus=N (any of them, e.g. slots=4,memory=8g)";

    /** The stored form: {@code slots,nanoCpus,memoryBytes,gpus}. */
    public String stored() {
        return slots + "," + nanoCpus + "," + memoryBytes + "," + gpus;
    }

    /** Reads {@link #stored()}. */
    public static NodeLimits fromStored(String text) {
        String[] p = text.split(",");
        return new NodeLimits(Integer.parseInt(p[0]), Long.parseLong(p[1]), Long.parseLong(p[2]),
                Integer.parseInt(p[3]));
    }
}
