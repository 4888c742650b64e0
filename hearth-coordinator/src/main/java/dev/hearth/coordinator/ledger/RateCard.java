// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.ledger;

import dev.hearth.core.job.JobSpec;
import dev.hearth.core.units.Credits;
import java.math.BigInteger;

/**
 * Prices a job from what it reserves: CPU-seconds, GiB-seconds of memory and GPU-seconds, each for its whole
 * timeout. The result is the most the job can cost and is what is held at submission; a passing verdict releases
 * all of it (the node kept that capacity for the job's timeout, and the run time a node reports cannot be trusted to
 * lower it until the oracle checks timing). Exact: integer arithmetic, rounded up to the micro-credit. Immutable.
 *
 * @param cpuSecondMicros micro-credits per CPU per second
 * @param gibSecondMicros micro-credits per GiB of memory per second
 * @param gpuSecondMicros micro-credits per GPU per second
 */
public record RateCard(long cpuSecondMicros, long gibSecondMicros, long gpuSecondMicros) {

    /** Every job free: the default, so a coordinator without a ledger set up runs jobs as before. */
    public static final RateCard FREE = new RateCard(0, 0, 0);

    private static final BigInteger NANO = BigInteger.valueOf(1_000_000_000L);
    private static final BigInteger GIB = BigInteger.ONE.shiftLeft(30);

    /** Checks the rates are not negative. */
    public RateCard {
        if (cpuSecondMicros < 0 || gibSecondMicros < 0 || gpuSecondMicros < 0) {
            throw new IllegalArgumentException("rates must not be negative, got " + cpuSecondMicros + ", "
                    + gibSecondMicros + ", " + gpuSecondMicros);
        }
    }

    /**
     * The price of a job in micro-credits: (CPUs x cpu rate + GiB x memory rate + GPUs x gpu rate) x timeout
     * seconds, rounded up.
     *
     * @throws IllegalArgumentException when the price exceeds what one transfer may move
     */
    public long price(JobSpec spec) {
        BigInteger seconds = BigInteger.valueOf(Math.max(1, (spec.timeout().toMillis() + 999) / 1000));
        // everything over the common denominator NANO x GIB, so no step rounds
        BigInteger cpu = BigInteger.valueOf(spec.limits().cpus().nanoCpus()).multiply(BigInteger.valueOf(cpuSecondMicros))
                .multiply(GIB);
        BigInteger mem = BigInteger.valueOf(spec.limits().memory().bytes()).multiply(BigInteger.valueOf(gibSecondMicros))
                .multiply(NANO);
        BigInteger gpu = BigInteger.valueOf(spec.gpus().count()).multiply(BigInteger.valueOf(gpuSecondMicros))
                .multiply(NANO).multiply(GIB);
        BigInteger denominator = NANO.multiply(GIB);
        BigInteger total = cpu.add(mem).add(gpu).multiply(seconds).add(denominator.subtract(BigInteger.ONE))
                .divide(denominator);
        if (total.compareTo(BigInteger.valueOf(Credits.MAX_MICROS)) > 0) {
            throw new IllegalArgumentException("the job's price from the rate card, " + total + " micro-credits, is "
                    + "more than one transfer may move (" + Credits.MAX_MICROS + ")");
        }
        return total.longValueExact();
    }

    @Override
    public String toString() {
        return "RateCard[cpu-second " + Credits.format(cpuSecondMicros) + ", GiB-second "
                + Credits.format(gibSecondMicros) + ", GPU-second " + Credits.format(gpuSecondMicros) + "]";
    }
}
