package dev.kiln.trainer.training;

import ai.djl.Device;
import ai.djl.util.cuda.CudaUtils;
import dev.kiln.contracts.runs.EpochMetrics;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The trainer's Prometheus metrics ({@code /q/metrics}; README "Training metrics" says what to alert on):
 * how fast epochs train, how long requests wait for a slot and in the queue, what checkpoints cost, and on a GPU
 * the device memory in use.
 */
@ApplicationScoped
public class TrainerMetrics {

    private final MeterRegistry registry;
    private final DistributionSummary imagesPerSecond;
    private final Timer epochs;
    private final Timer slotWait;
    private final Timer queueWait;
    private final DistributionSummary checkpointBytes;
    private final Timer checkpointWrites;

    public TrainerMetrics(MeterRegistry registry) {
        this.registry = registry;
        imagesPerSecond = DistributionSummary.builder("kiln.trainer.epoch.images.per.second")
                .description("Training throughput of each finished epoch, images per second")
                .publishPercentiles(0.5).register(registry);
        epochs = Timer.builder("kiln.trainer.epoch.duration").description("Seconds per finished epoch, validation"
                + " included").register(registry);
        slotWait = Timer.builder("kiln.trainer.slot.wait").description("How long a train request waited for a free"
                + " training slot on this worker").publishPercentileHistogram().register(registry);
        queueWait = Timer.builder("kiln.trainer.queue.wait").description("From a run's request to its claim by this"
                + " worker: the time it spent queued").publishPercentileHistogram().register(registry);
        checkpointBytes = DistributionSummary.builder("kiln.trainer.checkpoint.bytes").baseUnit("bytes")
                .description("Size of each checkpoint stored").register(registry);
        checkpointWrites = Timer.builder("kiln.trainer.checkpoint.write").description("Storing one checkpoint: its"
                + " file in the artifact store and its row").register(registry);
    }

    /** The number of trainings running on this worker, read when scraped. */
    void trainingsActive(Supplier<Number> active) {
        Gauge.builder("kiln.trainer.trainings.active", active).description("Trainings running on this worker")
                .register(registry);
    }

    /** On a GPU, the device's memory in use, read when scraped; nothing on a CPU. */
    void deviceMemory(Device device) {
        if (device.isGpu()) {
            Gauge.builder("kiln.trainer.device.memory.used", () -> CudaUtils.getGpuMemory(device).getUsed())
                    .baseUnit("bytes").description("GPU memory in use").tag("device", device.toString())
                    .register(registry);
        }
    }

    public void epochFinished(EpochMetrics metrics) {
        imagesPerSecond.record(metrics.imagesPerSecond());
        epochs.record(Duration.ofNanos((long) (metrics.seconds() * 1e9)));
    }

    public void waitedForSlot(Duration waited) {
        slotWait.record(waited);
    }

    public void queued(Duration waited) {
        queueWait.record(waited.isNegative() ? Duration.ZERO : waited);
    }

    /** Times storing one checkpoint of {@code bytes}. */
    public <T> T checkpointStored(long bytes, Supplier<T> store) {
        checkpointBytes.record(bytes);
        return checkpointWrites.record(store);
    }
}
