package dev.kiln.trainer.training;

import dev.kiln.artifacts.ArtifactStoreException;
import dev.kiln.artifacts.Blob;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.runs.ChampionEvaluation;
import dev.kiln.contracts.runs.CheckpointRef;
import dev.kiln.contracts.runs.EpochMetrics;
import dev.kiln.contracts.runs.RunEventV1;
import dev.kiln.contracts.runs.RunStatus;
import dev.kiln.contracts.runs.TrainRequestV1;
import dev.kiln.messaging.Outbox;
import dev.kiln.store.evaluation.Misclassification;
import dev.kiln.store.evaluation.MisclassifiedRepository;
import dev.kiln.store.faults.StoreRetry;
import dev.kiln.store.progress.BatchSampleRepository;
import dev.kiln.store.progress.CheckpointRecord;
import dev.kiln.store.progress.CheckpointRepository;
import dev.kiln.store.progress.EpochRepository;
import dev.kiln.store.registry.ModelRegistryRepository;
import dev.kiln.store.registry.ModelRegistryRepository.AliasTarget;
import dev.kiln.store.runs.RunRecord;
import dev.kiln.store.runs.RunRepository;
import dev.kiln.trainer.requests.WorkerIdentity;
import dev.kiln.vision.checkpoints.Checkpoint;
import dev.kiln.vision.checkpoints.CheckpointException;
import dev.kiln.vision.samples.BatchSample;
import dev.kiln.vision.training.TrainingResult;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Records trainings in PostgreSQL (checkpoint files in the artifact store), one transaction per step, each with the run events that announce it (the
 * outbox): an epoch's metrics, its checkpoints and their events commit together, and so does a run's end with
 * its terminal event (and a succeeded run's model checkpoint and misclassified test images). The training thread
 * never touches Kafka. While PostgreSQL or the artifact store is away each step is retried
 * with back-off for {@code kiln.trainer.store-patience}, holding the epoch in memory, instead of breaking the run.
 */
@ApplicationScoped
public class StoreRunProgress implements RunProgress {

    private static final Logger LOG = Logger.getLogger(StoreRunProgress.class);

    private final RunRepository runs;
    private final EpochRepository epochs;
    private final CheckpointRepository checkpoints;
    private final MisclassifiedRepository misclassified;
    private final ModelRegistryRepository registry;
    private final BatchSampleRepository batchSamples;
    private final Outbox outbox;
    private final WorkerIdentity worker;
    private final StoreRetry retry;
    private final TrainerMetrics trainerMetrics;

    public StoreRunProgress(RunRepository runs, EpochRepository epochs, CheckpointRepository checkpoints,
            MisclassifiedRepository misclassified, ModelRegistryRepository registry,
            BatchSampleRepository batchSamples, Outbox outbox, WorkerIdentity worker, TrainerConfig config,
            TrainerMetrics trainerMetrics) {
        this.trainerMetrics = trainerMetrics;
        this.registry = registry;
        this.batchSamples = batchSamples;
        this.runs = runs;
        this.epochs = epochs;
        this.checkpoints = checkpoints;
        this.misclassified = misclassified;
        this.outbox = outbox;
        this.worker = worker;
        this.retry = StoreRetry.within(config.storePatience());
    }

    @Override
    public Checkpoint resumePoint(UUID runId) {
        CheckpointRecord last = inTransaction("Reading the checkpoint of run " + runId,
                () -> checkpoints.find(runId, CheckpointRecord.Kind.last));
        if (last == null) {
            return null;
        }
        try {
            return Checkpoint.fromBytes(retry.call("Reading the checkpoint file of run " + runId,
                    () -> checkpoints.content(last)));
        } catch (CheckpointException | ArtifactStoreException.NotFound | ArtifactStoreException.Corrupt e) {
            // Unusable: start over rather than fail the run.
            LOG.warnf("Run %s: stored checkpoint of epoch %d is unusable (%s); training from the start", runId,
                    last.epoch, e.getMessage());
            return null;
        }
    }

    @Override
    public Checkpoint modelCheckpoint(String sha256) throws IOException {
        try {
            return Checkpoint.fromBytes(retry.call("Reading model checkpoint " + sha256,
                    () -> checkpoints.content(sha256)));
        } catch (CheckpointException | ArtifactStoreException.NotFound | ArtifactStoreException.Corrupt e) {
            throw new IOException("the model checkpoint " + sha256 + " is unusable: " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<Champion> champion(UUID runId) {
        return inTransaction("Reading the champion run " + runId + " competes with", () -> {
            RunRecord run = runs.findById(runId);
            AliasTarget champion = run == null || run.registeredModel == null ? null
                    : registry.alias(run.registeredModel, ModelRegistryRepository.CHAMPION);
            return Optional.ofNullable(champion)
                    .map(c -> new Champion(c.model(), c.version(), c.checkpointSha256()));
        });
    }

    @Override
    public boolean started(UUID runId, String device, int resumedAfterEpoch) {
        return inTransaction("Starting run " + runId, () -> {
            Instant now = now();
            if (!runs.start(runId, worker.id(), device, now)) {
                return false;
            }
            // Epochs recorded after the checkpoint we resume from were lost with the old worker's state; only the
            // owner may say so (a stale worker must not delete epochs the new owner recorded).
            epochs.deleteAfter(runId, resumedAfterEpoch);
            outbox.publish(RunEventV1.started(runId, worker.id(), now, resumedAfterEpoch));
            return true;
        });
    }

    @Override
    public boolean epochFinished(UUID runId, EpochMetrics metrics, Checkpoint snapshot, boolean best, int bestEpoch,
            Optional<BatchSample> batchSample) {
        byte[] content = snapshot.toBytes();
        List<BatchSampleRepository.Image> sampled = batchSample.map(StoreRunProgress::rows).orElse(List.of());
        boolean owned = inTransaction("Recording epoch " + metrics.epoch() + " of run " + runId, () -> {
            Instant now = now();
            if (!runs.epochFinished(runId, worker.id(), metrics.epoch(), bestEpoch, now)) {
                return false;
            }
            epochs.record(runId, metrics.epoch(), Json.write(metrics), now);
            outbox.publish(RunEventV1.epoch(runId, worker.id(), now, metrics));
            store(runId, CheckpointRecord.Kind.last, metrics.epoch(), content, now);
            if (best) {
                store(runId, CheckpointRecord.Kind.best, metrics.epoch(), content, now);
            }
            if (!sampled.isEmpty()) {
                // Kept once: a retry of this transaction, or a fresh start after a lost first epoch, changes nothing.
                batchSamples.recordOnce(runId, sampled, now);
            }
            return true;
        });
        if (owned) {
            // Once per recorded epoch, not per attempt of its transaction.
            trainerMetrics.epochFinished(metrics);
        }
        return owned;
    }

    @Override
    public void finished(UUID runId, TrainingResult result, Optional<ChampionEvaluation> champion) {
        RunStatus status = switch (result.outcome()) {
            case COMPLETED, STOPPED_EARLY -> RunStatus.SUCCEEDED;
            case FAILED -> RunStatus.FAILED;
            case CANCELLED -> RunStatus.CANCELLED;
        };
        byte[] model = status == RunStatus.SUCCEEDED && result.model() != null ? result.model().toBytes() : null;
        List<MisclassifiedRepository.Image> mistakes = status != RunStatus.SUCCEEDED ? List.of()
                : result.misclassified().stream().map(m -> new MisclassifiedRepository.Image(
                        new Misclassification(m.index(), m.truth(), m.prediction(), m.probabilities()), m.png()))
                        .toList();
        inTransaction("Recording the end of run " + runId, () -> {
            Instant now = now();
            String reason = status == RunStatus.SUCCEEDED ? null : result.reason();
            if (!runs.finish(runId, worker.id(), status, result.test() == null ? null : Json.write(result.test()),
                    reason, now)) {
                return false;
            }
            if (model != null) {
                store(runId, CheckpointRecord.Kind.model, result.bestEpoch(), model, now);
            }
            if (status == RunStatus.SUCCEEDED) {
                // Replaces, never adds: the run's rows are these, however often this transaction is tried.
                misclassified.replace(runId, mistakes);
                // Before COMPLETED is announced: the gateway judges the run on it.
                champion.ifPresent(evaluation -> runs.recordChampionEvaluation(runId, evaluation));
            }
            outbox.publish(switch (status) {
                case SUCCEEDED -> RunEventV1.completed(runId, worker.id(), now, result.bestEpoch(), result.test());
                case CANCELLED -> RunEventV1.cancelled(runId, worker.id(), now, result.bestEpoch(), reason);
                default -> RunEventV1.failed(runId, worker.id(), now, result.bestEpoch(), reason);
            });
            return true;
        });
    }

    @Override
    public void crashed(UUID runId, String reason) {
        inTransaction("Recording the failure of run " + runId, () -> {
            Instant now = now();
            if (!runs.finish(runId, worker.id(), RunStatus.FAILED, null, reason, now)) {
                return false;
            }
            outbox.publish(RunEventV1.failed(runId, worker.id(), now, null, reason));
            return true;
        });
    }

    @Override
    public void handedBack(UUID runId, int epochsDone) {
        boolean queued = inTransaction("Handing back run " + runId, () -> {
            Instant now = now();
            if (!runs.handBack(runId, worker.id(), now)) {
                return false;
            }
            // A fresh persistence context: the spec as stored (the bulk update above changed no cached entity).
            RunRecord run = runs.findById(runId);
            outbox.publish(TrainRequestV1.of(runId, run.spec(), now));
            outbox.publish(RunEventV1.queued(runId, worker.id(), now, epochsDone,
                    "handed back by " + worker.id() + ", which is stopping"));
            return true;
        });
        if (queued) {
            LOG.infof("Run %s handed back after %d epochs: queued again, resumable from its last checkpoint", runId,
                    epochsDone);
        }
    }

    private static List<BatchSampleRepository.Image> rows(BatchSample sample) {
        return sample.images().stream().map(image -> new BatchSampleRepository.Image(image.position(),
                image.trainIndex(), image.label(), image.originalPng(), image.augmentedPng())).toList();
    }

    /** Stores a checkpoint (its file in the artifact store first) and announces it, in the caller's transaction. */
    private void store(UUID runId, CheckpointRecord.Kind kind, int epoch, byte[] content, Instant now) {
        Blob blob = trainerMetrics.checkpointStored(content.length,
                () -> checkpoints.store(runId, kind, epoch, content, now));
        outbox.publish(RunEventV1.checkpoint(runId, worker.id(), now,
                new CheckpointRef(kind.name(), epoch, blob.sha256(), blob.sizeBytes())));
    }

    /** One transaction, tried again while the store is unavailable. */
    private <T> T inTransaction(String what, Supplier<T> work) {
        return retry.call(what, () -> QuarkusTransaction.requiringNew().call(work::get));
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }
}
