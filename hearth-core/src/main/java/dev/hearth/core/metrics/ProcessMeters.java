// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import java.time.Duration;

/**
 * The JVM and process meters every Hearth service exposes (memory, GC, threads, classes, CPU, uptime, open files),
 * and the histogram buckets its latency figures share. Thread-safe.
 */
public final class ProcessMeters {

    /** Buckets for work a service does itself: a millisecond to a minute. */
    public static final Duration[] FAST = seconds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
            10, 30, 60);
    /** Buckets for jobs, boots and queues: a tenth of a second to a day. */
    public static final Duration[] SLOW = seconds(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600,
            4 * 3600, 86400);

    private ProcessMeters() {
    }

    /**
     * Binds the JVM and process meters to {@code registry}.
     *
     * @return what to close with the registry (the GC meters listen to the JVM's notifications)
     */
    public static AutoCloseable bind(MeterRegistry registry) {
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        return gc;
    }

    /**
     * The latency histogram {@code name} (exposed as {@code NAME_seconds_bucket}, {@code _count}, {@code _sum} and
     * {@code _max}) with {@code buckets} and the tags given as key, value pairs; registered once, then found.
     */
    public static Timer histogram(MeterRegistry registry, String name, String description, Duration[] buckets,
            String... tags) {
        return Timer.builder(name).description(description).tags(tags).serviceLevelObjectives(buckets)
                .register(registry);
    }

    private static Duration[] seconds(double... values) {
        Duration[] d = new Duration[values.length];
        for (int i = 0; i < values.length; i++) {
            d[i] = Duration.ofNanos(Math.round(values[i] * 1e9));
        }
        return d;
    }
}
