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
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * The prediction log: a sample ({@code kiln.inference.prediction-log.sample-rate}, at most
 * {@code kiln.inference.prediction-log.max-per-second}) of the images the predict API answered, each stored with its
 * answer and the image as sent (Flyway V25) and announced as a {@link PredictionLoggedV1} through the outbox, in one
 * transaction. Written on a thread of its own from a bounded queue, bounded in entries and in bytes: a request never
 * waits on PostgreSQL, and when the store falls behind, logged predictions are dropped (counted), never the answer.
 * Metric {@code kiln_inference_prediction_log_total{outcome}}: logged, limited (sampled over the limit a second),
 * dropped (the queue was full), failed (the store refused).
 */
@ApplicationScoped
public class PredictionLog {

    private static final Logger LOG = Logger.getLogger(PredictionLog.class);

    private final PredictionLogRepository log;
    private final Outbox outbox;
    private final ReplicaIdentity replica;
    private final double sampleRate;
    private final PerSecondLimit limit;
    private final ThreadPoolExecutor writer;
    /** The images waiting in the queue, in bytes: an entry may hold megabytes, the queue stays bounded in memory. */
    private final AtomicLong queuedBytes = new AtomicLong();
    private final long maxQueuedBytes;
    private final Counter logged;
    private final Counter limited;
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
        int maxPerSecond = config.predictionLog().maxPerSecond();
        if (maxPerSecond < 0) {
            throw new IllegalArgumentException("kiln.inference.prediction-log.max-per-second must be 0 (no limit) or"
                    + " more, got " + maxPerSecond);
        }
        this.limit = PerSecondLimit.of(maxPerSecond);
        this.maxQueuedBytes = config.predictionLog().queueBytes().asLongValue();
        this.writer = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(config.predictionLog().queue()), r -> {
                    Thread thread = new Thread(r, "prediction-log");
                    thread.setDaemon(true);
                    return thread;
                });
        this.logged = counter(metrics, "logged");
        this.limited = counter(metrics, "limited");
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
     * @return the logged prediction's id, or null when it is not logged: not sampled, over the limit, the queue
     *         full (entries or bytes), or the log failing (the store away: the entry is tried, but no answer names it)
     */
    public UUID offer(ServedVersion version, String alias, byte[] image, List<RankedClass> top, double latencyMs) {
        if (sampleRate == 0 || (sampleRate < 1 && ThreadLocalRandom.current().nextDouble() >= sampleRate)) {
            return null;
        }
        if (!limit.tryAcquire()) {
            limited.increment();
            return null;
        }
        if (queuedBytes.addAndGet(image.length) > maxQueuedBytes) {
            queuedBytes.addAndGet(-image.length);
            dropped.increment();
            return null;
        }
        UUID id = UUID.randomUUID();
        Instant at = Instant.now().truncatedTo(ChronoUnit.MICROS);
        try {
            writer.execute(() -> {
                try {
                    write(new PredictionLoggedV1(PredictionLoggedV1.SCHEMA, id, version.project(), version.model(),
                            version.version(), alias, replica.id(), ArtifactStore.sha256(image), top, latencyMs, at),
                            image);
                } finally {
                    queuedBytes.addAndGet(-image.length);
                }
            });
            return failing ? null : id;
        } catch (RejectedExecutionException full) {
            queuedBytes.addAndGet(-image.length);
            dropped.increment();
            return null;
        }
    }

    private void write(PredictionLoggedV1 prediction, byte[] image) {
        try {
            QuarkusTransaction.requiringNew().run(() -> {
                log.record(prediction, image);
                outbox.publish(prediction);
            });
            logged.increment();
            if (failing) {
                LOG.info("Predictions are logged again");
                failing = false;
            }
        } catch (RuntimeException e) {
            failed.increment();
            if (!failing) {
                LOG.warnf("Could not log prediction %s (logged once until it works again): %s",
                        prediction.predictionId(), e.getMessage());
                failing = true;
            }
        }
    }

    /** Writes what is queued before the replica stops, for a while. */
    void onStop(@Observes ShutdownEvent stop) throws InterruptedException {
        writer.shutdown();
        if (!writer.awaitTermination(10, TimeUnit.SECONDS)) {
            LOG.warnf("%d logged predictions not written at shutdown", writer.shutdownNow().size());
        }
    }

    private static Counter counter(MeterRegistry metrics, String outcome) {
        return Counter.builder("kiln.inference.prediction.log").description("Sampled predictions by outcome")
                .tag("outcome", outcome).register(metrics);
    }
}
