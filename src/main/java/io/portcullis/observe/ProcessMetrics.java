package io.portcullis.observe;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;

/**
 * The process beside the mail: Micrometer's JVM and system binders (heap and pools, GC pauses,
 * threads, classes, CPU, open file descriptors against the limit, uptime) and
 * {@code portcullis_build_info{version,java}}, a gauge of 1 whose labels say what runs (the
 * Prometheus convention for build facts). Bound once per registry; {@link #close()} stops the GC
 * listener.
 */
final class ProcessMetrics implements AutoCloseable {
    /** The jar's {@code Implementation-Version}; {@code development} when run from classes (tests, IDE). */
    static final String VERSION = version();

    private final JvmGcMetrics gc = new JvmGcMetrics();

    ProcessMetrics(MeterRegistry registry) {
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        Gauge.builder("portcullis.build.info", () -> 1).description("the running version (value always 1)")
                .tags("version", VERSION, "java", Runtime.version().toString()).register(registry);
    }

    private static String version() {
        String version = ProcessMetrics.class.getPackage().getImplementationVersion();
        return version == null || version.isBlank() ? "development" : version;
    }

    @Override
    public void close() {
        gc.close();
    }
}
