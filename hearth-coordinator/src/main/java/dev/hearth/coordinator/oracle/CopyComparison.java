// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.oracle;

import dev.hearth.core.job.Redundancy;
import dev.hearth.core.receipt.OutputFile;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Compares the copies of a k-of-n job: the oracle's last step once each copy has its own verdict.
 *
 * <p>Copies agree when they passed their own checks and report the same logsHash and the same output files (paths,
 * sizes and SHA-256, in path order). Because k is a strict majority ({@link Redundancy}), at most one group of
 * agreeing copies can reach k, so the outcome never depends on the order verdicts arrive in: once k agree the job
 * passes with their result, and every passed copy outside that group, also one judged later, is flagged as
 * disagreeing with the majority. When even all undecided copies joining the largest group could not make k, the job
 * fails, and the reason names each group. A pure function; thread-safe.
 */
public final class CopyComparison {

    private CopyComparison() {
    }

    /** Where a copy's own verification stands. */
    public enum Judgement {
        /** not judged yet (queued, running or being verified) */
        PENDING,
        /** its own checks passed */
        PASSED,
        /** its own checks failed, or it ended without a result (lost out of attempts, cancelled) */
        FAILED
    }

    /**
     * One copy as the comparison sees it.
     *
     * @param index the copy's number, 1 to n
     * @param nodeId the node that ran it, or null while unplaced
     * @param judgement its own verdict
     * @param logsHash its logsHash, when it has a result
     * @param outputs its receipt's output files
     */
    public record Copy(int index, String nodeId, Judgement judgement, String logsHash, List<OutputFile> outputs) {

        public Copy {
            Objects.requireNonNull(judgement, "judgement");
            outputs = outputs == null ? List.of()
                    : outputs.stream().sorted(Comparator.comparing(OutputFile::path)).toList();
        }

        /** What agreeing copies share. */
        Claim claim() {
            return new Claim(logsHash, outputs);
        }
    }

    /** The part of a result copies must agree on. */
    record Claim(String logsHash, List<OutputFile> outputs) {
    }

    /** What the copies decide. */
    public sealed interface Outcome {
    }

    /** Not decided yet: k agreeing copies are still possible and not reached. */
    public record Waiting() implements Outcome {
    }

    /**
     * k copies agree: the job passes with their result.
     *
     * @param agreeing the copies in the majority, by index
     * @param flagged passed copies that disagree with it, by index
     */
    public record Agreed(List<Copy> agreeing, List<Copy> flagged) implements Outcome {
    }

    /**
     * k agreeing copies can no longer be reached: the job fails.
     *
     * @param reason names each group of agreeing copies and the copies that failed their own checks
     */
    public record Impossible(String reason) implements Outcome {
    }

    /** Decides what {@code copies} (all n of them, in any order) say under {@code redundancy}. */
    public static Outcome compare(Redundancy redundancy, List<Copy> copies) {
        if (copies.size() != redundancy.n()) {
            throw new IllegalArgumentException("a " + redundancy.k() + "-of-" + redundancy.n() + " job has "
                    + redundancy.n() + " copies, not " + copies.size());
        }
        List<Copy> ordered = copies.stream().sorted(Comparator.comparingInt(Copy::index)).toList();
        Map<Claim, List<Copy>> groups = new LinkedHashMap<>();
        int pending = 0;
        for (Copy c : ordered) {
            switch (c.judgement()) {
                case PASSED -> groups.computeIfAbsent(c.claim(), x -> new ArrayList<>()).add(c);
                case PENDING -> pending++;
                case FAILED -> { }
            }
        }
        List<Copy> largest = groups.values().stream().max(Comparator.comparingInt(List::size)).orElse(List.of());
        if (largest.size() >= redundancy.k()) {
            List<Copy> flagged = ordered.stream()
                    .filter(c -> c.judgement() == Judgement.PASSED && !largest.contains(c)).toList();
            return new Agreed(List.copyOf(largest), flagged);
        }
        if (redundancy.reachable(largest.size(), pending)) {
            return new Waiting();
        }
        return new Impossible(reason(redundancy, ordered, groups));
    }

    private static String reason(Redundancy r, List<Copy> copies, Map<Claim, List<Copy>> groups) {
        StringBuilder b = new StringBuilder("redundancy: no ").append(r.k()).append(" of ").append(r.n())
                .append(" copies agree");
        for (List<Copy> g : groups.values()) {
            Claim claim = g.getFirst().claim();
            b.append("; copies ").append(indexes(g)).append(" report logsHash ").append(shortHash(claim.logsHash()))
                    .append(" and ").append(claim.outputs().size()).append(" output file(s)");
        }
        List<Copy> failed = copies.stream().filter(c -> c.judgement() == Judgement.FAILED).toList();
        if (!failed.isEmpty()) {
            b.append("; copies ").append(indexes(failed)).append(" failed their own checks");
        }
        return b.toString();
    }

    private static String indexes(List<Copy> copies) {
        return String.join(",", copies.stream()
                .map(c -> "#" + c.index() + (c.nodeId() == null ? "" : " (node " + c.nodeId() + ")")).toList());
    }

    private static String shortHash(String hash) {
        return hash == null ? "none" : hash.substring(0, Math.min(12, hash.length()));
    }
}
