package dev.kiln.trainer.training;

import ai.djl.Device;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.vision.engine.Devices;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * The worker's training threads. A request is only claimed once a slot is free, so a busy worker never
 * hoards runs that an idle one could train; trainings run off the Kafka consumer's thread, so a long one
 * never holds up polling (no rebalance, no second worker on the same run).
 */
@ApplicationScoped
public class TrainingSlots {

    private static final Logger LOG = Logger.getLogger(TrainingSlots.class);

    private final Semaphore free;
    private final ExecutorService threads;
    private final TrainerConfig config;
    private final DataCache data;
    private final RunProgress progress;
    private final TrainerMetrics metrics;
    private final Map<UUID, TrainingJob> active = new ConcurrentHashMap<>();
    private volatile Device device;
    private volatile boolean closing;

    public TrainingSlots(TrainerConfig config, DataCache data, StoreRunProgress progress, TrainerMetrics metrics) {
        this.config = config;
        this.data = data;
        this.progress = progress;
        this.metrics = metrics;
        metrics.trainingsActive(active::size);
        this.free = new Semaphore(config.slots());
        AtomicInteger count = new AtomicInteger();
        this.threads = Executors.newFixedThreadPool(config.slots(), job -> {
            Thread thread = new Thread(job, "kiln-training-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Blocks until a slot is free; then either {@link #start} a run in it or {@link #release} it. */
    public void acquire() throws InterruptedException {
        free.acquire();
    }

    /** A free slot now, or false; for taking over runs, which must not make the worker wait. */
    public boolean tryAcquire() {
        return free.tryAcquire();
    }

    public void release() {
        free.release();
    }

    /** The runs training here now. */
    public Set<UUID> active() {
        return Set.copyOf(active.keySet());
    }

    /** The run is no longer this worker's (taken over, or cancelled): its training stops within a batch. */
    public void lost(UUID runId) {
        TrainingJob job = active.get(runId);
        if (job != null) {
            job.loseOwnership();
        }
    }

    /** Trains a claimed run in the slot acquired before, and frees the slot when it ends. */
    public void start(UUID runId, TrainingSpec spec) {
        TrainingJob job = new TrainingJob(runId, spec, device(), data, progress, this::closing);
        active.put(runId, job);
        threads.execute(() -> {
            try {
                job.run();
            } finally {
                active.remove(runId);
                free.release();
            }
        });
    }

    /** Resolved on first use: the engine is loaded by then, and a bad setting fails the first run, loudly. */
    private Device device() {
        if (device == null) {
            device = Devices.resolve(config.device());
            metrics.deviceMemory(device);
        }
        return device;
    }

    /** True once the worker is shutting down: trainings stop and leave their runs to be resumed elsewhere. */
    public boolean closing() {
        return closing;
    }

    /**
     * SIGTERM (a Kubernetes scale-down, {@code ./kiln down}): every training stops within one batch and hands its
     * run back, queued again and resumable from its last checkpoint, instead of leaving it to the lease. On
     * {@link ShutdownEvent}, while the store and the outbox still work.
     */
    void handBack(@Observes ShutdownEvent shutdown) throws InterruptedException {
        closing = true;
        threads.shutdown();
        if (!threads.awaitTermination(config.handBackTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
            LOG.warnf("Trainings still running after %s; their runs are left to the lease", config.handBackTimeout());
        }
    }
}
