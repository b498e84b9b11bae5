package dev.kiln.inference.predictionlog;

import dev.kiln.artifacts.ArtifactStore;
import dev.kiln.contracts.predictions.PredictionLoggedV1;
import dev.kiln.contracts.predictions.RankedClass;
import dev.kiln.inference.serving.InferenceConfig;
import dev.kiln.inference.serving.ReplicaIdentity;
import dev.kiln.inference.serving.ServedVersion;
import dev.kiln.messaging.Outbox;
import dev.kiln.store.predictions.PredictionLogRepository;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * The prediction log: a sample ({@code kiln.inference.prediction-log.sample-rate}) of the images the predict API
 * answered, each stored with its answer and the image as sent (Flyway V25) and announced as a
 * {@link PredictionLoggedV1} through the outbox, in one transaction. Written on a thread of its own from a bounded
 * queue, bounded in entries and in bytes: a request never waits on PostgreSQL, and when the store falls behind,
 * logged predictions are dropped (counted), never the answer. A sampled prediction waits {@link #LINGER} for others,
 * and the thread writes what has queued, up to {@link #MAX_WRITE} predictions, in one transaction: a transaction per
 * prediction cost the replica a fifth of its single-image throughput at the default 1% sample (BENCHMARKS.md,
 * "Serving"). Metric
 * {@code kiln_inference_prediction_log_total{outcome}}: logged, dropped (the queue was full), failed (the store
 * refused; a failed write fails all the predictions it held).
 */
@ApplicationScoped
public class PredictionLog {

    private static final Logger LOG = Logger.getLogger(PredictionLog.class);
    /** Predictions written in one transaction at most. */
    static final int MAX_WRITE = 100;
    /**
     * How long a sampled prediction waits for others to share its write: at 1% of 8,000 images/s, a write every 100 ms
     * holds about 8 (and the outbox relay's round, which each commit starts, sends them together).
     */
    static final Duration LINGER = Duration.ofMillis(100);

    /** A sampled prediction waiting to be written: its event is made on the log's own thread. */
    private record Entry(UUID id, ServedVersion version, String alias, byte[] image, List<RankedClass> top,
            double latencyMs, Instant at) {
    }

    private final PredictionLogRepository log;
    private final Outbox outbox;
    private final ReplicaIdentity replica;
    private final double sampleRate;
    private final BlockingQueue<Entry> waiting;
    private final ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "prediction-log");
        thread.setDaemon(true);
        return thread;
    });
    /** Whether a write of what waits is queued on the writer and not yet started: offers coalesce into it. */
    private final AtomicBoolean writeScheduled = new AtomicBoolean();
    /** The images waiting in the queue, in bytes: an entry may hold megabytes, the queue stays bounded in memory. */
    private final AtomicLong queuedBytes = new AtomicLong();
    private final long maxQueuedBytes;
    private final Counter logged;
    private final Counter dropped;
    private final Counter failed;
    /** Whether the last write failed, so that a store away for an hour is logged once, not every prediction. */
    private volatile boolean failing;

    public PredictionLog(PredictionLogRepository log, Outbox outbox, ReplicaIdentity replica, InferenceConfig config,
            MeterRegistry metrics) {
        this.log = log;
        this.outbox = outbox;
        this.replica = replica;
        this.sampleRate = config.predictionLog().sampleRate();
        if (!(sampleRate >= 0 && sampleRate <= 1)) {
            throw new IllegalArgumentException("kiln.inference.prediction-log.sample-rate must be 0 to 1, got "
                    + sampleRate);
        }
        this.maxQueuedBytes = config.predictionLog().queueBytes().asLongValue();
        this.waiting = new ArrayBlockingQueue<>(config.predictionLog().queue());
        this.logged = counter(metrics, "logged");
        this.dropped = counter(metrics, "dropped");
        this.failed = counter(metrics, "failed");
    }

    /**
     * Logs one answered image if the sample takes it. Cheap on the calling thread (the request's): the
     * digest, the row and the event are made on the log's own thread.
     *
     * @param alias     the alias the version was served under, null for a pinned version
     * @param image     the image as sent
     * @param top       the answer's classes, most probable first
     * @param latencyMs the request's time from queueing to its answer
     * @return the logged prediction's id, or null when it is not logged: not sampled, the queue full (entries or
     *         bytes), or the log failing (the store away: the entry is tried, but no answer names it)
     */
    public UUID offer(ServedVersion version, String alias, byte[] image, List<RankedClass> top, double latencyMs) {
        if (sampleRate == 0 || (sampleRate < 1 && ThreadLocalRandom.current().nextDouble() >= sampleRate)) {
            return null;
        }
        if (queuedBytes.addAndGet(image.length) > maxQueuedBytes) {
            queuedBytes.addAndGet(-image.length);
            dropped.increment();
            return null;
        }
        UUID id = UUID.randomUUID();
        Instant at = Instant.now().truncatedTo(ChronoUnit.MICROS);
        if (!waiting.offer(new Entry(id, version, alias, image, top, latencyMs, at))) {
            queuedBytes.addAndGet(-image.length);
            dropped.increment();
            return null;
        }
        writeSoon();
        return failing ? null : id;
    }

    /** Schedules a write of what waits on the writer thread, unless one is scheduled already and has not started. */
    private void writeSoon() {
        if (writeScheduled.compareAndSet(false, true)) {
            try {
                writer.schedule(this::writeWaiting, LINGER.toNanos(), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException stopping) {
                writeScheduled.set(false);
            }
        }
    }

    /** Writes what waits, {@link #MAX_WRITE} at a time, until nothing does. */
    private void writeWaiting() {
        writeScheduled.set(false);
        List<Entry> entries = new ArrayList<>(MAX_WRITE);
        while (waiting.drainTo(entries, MAX_WRITE) > 0) {
            try {
                write(entries);
            } finally {
                entries.forEach(entry -> queuedBytes.addAndGet(-entry.image().length));
                entries.clear();
            }
        }
    }

    private void write(List<Entry> entries) {
        try {
            QuarkusTransaction.requiringNew().run(() -> {
                for (Entry entry : entries) {
                    ServedVersion version = entry.version();
                    PredictionLoggedV1 prediction = new PredictionLoggedV1(PredictionLoggedV1.SCHEMA, entry.id(),
                            version.project(), version.model(), version.version(), entry.alias(), replica.id(),
                            ArtifactStore.sha256(entry.image()), entry.top(), entry.latencyMs(), entry.at());
                    log.record(prediction, entry.image());
                    outbox.publish(prediction);
                }
            });
            logged.increment(entries.size());
            if (failing) {
                LOG.info("Predictions are logged again");
                failing = false;
            }
        } catch (RuntimeException e) {
            failed.increment(entries.size());
            if (!failing) {
                LOG.warnf("Could not log %d predictions, the first %s (logged once until it works again): %s",
                        entries.size(), entries.get(0).id(), e.getMessage());
                failing = true;
            }
        }
    }

    /** Writes what is queued before the replica stops, for a while. */
    void onStop(@Observes ShutdownEvent stop) throws InterruptedException {
        writer.shutdown();
        if (!writer.awaitTermination(10, TimeUnit.SECONDS)) {
            writer.shutdownNow();
        }
        if (!waiting.isEmpty()) {
            LOG.warnf("%d logged predictions not written at shutdown", waiting.size());
        }
    }

    private static Counter counter(MeterRegistry metrics, String outcome) {
        return Counter.builder("kiln.inference.prediction.log").description("Sampled predictions by outcome")
                .tag("outcome", outcome).register(metrics);
    }
}
