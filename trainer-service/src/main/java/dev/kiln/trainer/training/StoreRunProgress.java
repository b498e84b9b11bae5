package dev.kiln.trainer.training;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.runs.CheckpointRef;
import dev.kiln.contracts.runs.EpochMetrics;
import dev.kiln.contracts.runs.RunEventType;
import dev.kiln.contracts.runs.RunEventV1;
import dev.kiln.contracts.runs.RunStatus;
import dev.kiln.store.progress.CheckpointRecord;
import dev.kiln.store.progress.CheckpointRepository;
import dev.kiln.store.progress.EpochRepository;
import dev.kiln.store.runs.RunRepository;
import dev.kiln.trainer.events.RunEvents;
import dev.kiln.trainer.requests.WorkerIdentity;
import dev.kiln.vision.checkpoints.Checkpoint;
import dev.kiln.vision.checkpoints.CheckpointException;
import dev.kiln.vision.training.TrainingResult;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Records trainings in PostgreSQL, one transaction per step (an epoch's metrics and its checkpoints commit
 * together), then announces each step on the run-events topic.
 */
@ApplicationScoped
public class StoreRunProgress implements RunProgress {

    private static final Logger LOG = Logger.getLogger(StoreRunProgress.class);

    private final RunRepository runs;
    private final EpochRepository epochs;
    private final CheckpointRepository checkpoints;
    private final RunEvents events;
    private final WorkerIdentity worker;

    public StoreRunProgress(RunRepository runs, EpochRepository epochs, CheckpointRepository checkpoints,
            RunEvents events, WorkerIdentity worker) {
        this.runs = runs;
        this.epochs = epochs;
        this.checkpoints = checkpoints;
        this.events = events;
        this.worker = worker;
    }

    @Override
    public Checkpoint resumePoint(UUID runId) {
        CheckpointRecord last = QuarkusTransaction.requiringNew().call(() -> checkpoints.find(runId,
                CheckpointRecord.Kind.last));
        if (last == null) {
            return null;
        }
        try {
            return Checkpoint.fromBytes(last.content);
        } catch (CheckpointException e) {
            // Unusable: start over rather than fail the run.
            LOG.warnf("Run %s: stored checkpoint of epoch %d is unusable (%s); training from the start", runId,
                    last.epoch, e.getMessage());
            return null;
        }
    }

    @Override
    public boolean started(UUID runId, String device, int resumedAfterEpoch) {
        boolean ours = QuarkusTransaction.requiringNew().call(() -> {
            // Epochs recorded after the checkpoint we resume from were lost with the old worker's state.
            epochs.deleteAfter(runId, resumedAfterEpoch);
            return runs.start(runId, worker.id(), device, now());
        });
        if (ours) {
            events.publish(event(runId, RunEventType.STARTED, resumedAfterEpoch, null, null, null));
        }
        return ours;
    }

    @Override
    public boolean epochFinished(UUID runId, EpochMetrics metrics, Checkpoint snapshot, boolean best, int bestEpoch) {
        byte[] content = snapshot.toBytes();
        String digest = Checkpoint.sha256(content);
        boolean ours = QuarkusTransaction.requiringNew().call(() -> {
            Instant now = now();
            if (!runs.epochFinished(runId, worker.id(), metrics.epoch(), bestEpoch, now)) {
                return false;
            }
            epochs.record(runId, metrics.epoch(), Json.write(metrics), now);
            checkpoints.store(runId, CheckpointRecord.Kind.last, metrics.epoch(), content, digest, now);
            if (best) {
                checkpoints.store(runId, CheckpointRecord.Kind.best, metrics.epoch(), content, digest, now);
            }
            return true;
        });
        if (ours) {
            events.publish(event(runId, RunEventType.EPOCH, metrics.epoch(), metrics, null, null));
            CheckpointRef stored = new CheckpointRef(CheckpointRecord.Kind.last.name(), metrics.epoch(), digest, content.length);
            events.publish(checkpointEvent(runId, stored));
            if (best) {
                events.publish(checkpointEvent(runId, new CheckpointRef(CheckpointRecord.Kind.best.name(),
                        metrics.epoch(), digest, content.length)));
            }
        }
        return ours;
    }

    @Override
    public void finished(UUID runId, TrainingResult result) {
        RunStatus status = switch (result.outcome()) {
            case COMPLETED, STOPPED_EARLY -> RunStatus.SUCCEEDED;
            case FAILED -> RunStatus.FAILED;
            case CANCELLED -> RunStatus.CANCELLED;
        };
        byte[] model = status == RunStatus.SUCCEEDED && result.model() != null ? result.model().toBytes() : null;
        String modelDigest = model == null ? null : Checkpoint.sha256(model);
        boolean recorded = QuarkusTransaction.requiringNew().call(() -> {
            Instant now = now();
            if (model != null) {
                checkpoints.store(runId, CheckpointRecord.Kind.model, result.bestEpoch(), model, modelDigest, now);
            }
            return runs.finish(runId, worker.id(), status, result.test() == null ? null : Json.write(result.test()),
                    status == RunStatus.SUCCEEDED ? null : result.reason(), now);
        });
        if (recorded) {
            if (model != null) {
                events.publish(checkpointEvent(runId, new CheckpointRef(CheckpointRecord.Kind.model.name(),
                        result.bestEpoch(), modelDigest, model.length)));
            }
            RunEventType type = switch (status) {
                case SUCCEEDED -> RunEventType.COMPLETED;
                case CANCELLED -> RunEventType.CANCELLED;
                default -> RunEventType.FAILED;
            };
            events.publish(event(runId, type, result.bestEpoch(), null, result.test(), result.reason()));
        }
    }

    @Override
    public void crashed(UUID runId, String reason) {
        boolean recorded = QuarkusTransaction.requiringNew().call(() ->
                runs.finish(runId, worker.id(), RunStatus.FAILED, null, reason, now()));
        if (recorded) {
            events.publish(event(runId, RunEventType.FAILED, null, null, null, reason));
        }
    }

    private RunEventV1 event(UUID runId, RunEventType type, Integer epoch, EpochMetrics metrics,
            dev.kiln.contracts.runs.EvaluationReport test, String reason) {
        return new RunEventV1(RunEventV1.SCHEMA, runId, type, worker.id(), now(), epoch, metrics, test, reason, null);
    }

    private RunEventV1 checkpointEvent(UUID runId, CheckpointRef checkpoint) {
        return new RunEventV1(RunEventV1.SCHEMA, runId, RunEventType.CHECKPOINT, worker.id(), now(), checkpoint.epoch(),
                null, null, null, checkpoint);
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }
}
