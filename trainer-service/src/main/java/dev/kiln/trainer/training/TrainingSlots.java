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
import java.util.concurrent.RejectedExecutionException;
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
    private Device device;
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

    /**
     * Blocks until a slot is free, then true: the caller either {@link #start}s a run in it or {@link #release}s
     * it. False once the worker is stopping, or if the waiting thread is interrupted (only a stopping worker does
     * that): the caller leaves its run QUEUED for another worker.
     */
    public boolean acquire() {
        try {
            while (!closing) {
                if (free.tryAcquire(250, TimeUnit.MILLISECONDS)) {
                    if (!closing) {
                        return true;
                    }
                    free.release();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    /** A free slot now, or false (also once the worker is stopping); for taking over runs, which must not wait. */
    public boolean tryAcquire() {
        return !closing && free.tryAcquire();
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
        TrainingJob job = new TrainingJob(runId, spec, this::device, data, progress, this::closing);
        active.put(runId, job);
        try {
            threads.execute(() -> {
                try {
                    job.run();
                } finally {
                    active.remove(runId);
                    free.release();
                }
            });
        } catch (RejectedExecutionException e) {
            // Claimed after the hand-back's patience ran out and the threads stopped (a claim waiting out a paused
            // PostgreSQL): the run stays CLAIMED, and another worker takes it over once the lease expires.
            active.remove(runId);
            free.release();
            LOG.warnf("Run %s was claimed as this worker stopped; it is left to the lease", runId);
        }
    }

    /** Resolved on first use: the engine is loaded by then, and a bad setting fails each run, loudly. */
    private synchronized Device device() {
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
        // Every slot free means every training has handed its run back and no run sits between its claim and its
        // start. The threads stay up until then, or until the patience runs out: a run claimed just before this
        // starts, and hands itself back at its first batch, rather than being refused a thread.
        try {
            if (!free.tryAcquire(config.slots(), config.handBackTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warnf("Trainings still running after %s; their runs are left to the lease",
                        config.handBackTimeout());
            }
        } finally {
            threads.shutdown();
        }
    }
}
