package dev.kiln.store.runs;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.runs.ChampionEvaluation;
import dev.kiln.contracts.runs.EvaluationReport;
import dev.kiln.contracts.runs.RunStatus;
import dev.kiln.contracts.runs.TrainingSpec;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** A training run as stored in the {@code runs} table. */
@Entity
@Table(name = "runs")
public class RunRecord extends PanacheEntityBase {

    @Id
    public UUID id;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public RunStatus status;

    /** The spec as JSON (defaults filled in); read it with {@link #spec()}. */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "spec", nullable = false)
    public String specJson;

    public String worker;

    /** The project the run belongs to: only its callers see it. */
    @Column(nullable = false)
    public String project;

    /** Who submitted it ({@code token:<id>}, {@code oidc:<user>}), or null (before projects). */
    @Column(name = "submitted_by")
    public String submittedBy;

    /** The experiment the run belongs to, or null. */
    public String experiment;

    /** The registered model the run competes for (its result is registered as a version when it succeeds), or null. */
    @Column(name = "registered_model")
    public String registeredModel;

    /** The study this run is a trial of, or null. */
    @Column(name = "study_id")
    public UUID studyId;

    /** Its trial number within the study (1, 2, ...), or null. */
    @Column(name = "trial_number")
    public Integer trialNumber;

    /** The spec's model, a column of its own so runs can be filtered by it. */
    @Column(nullable = false)
    public String model;

    /** The client's Idempotency-Key, or null. */
    @Column(name = "idempotency_key")
    public String idempotencyKey;

    /** SHA-256 of the request that created the run, to tell a retry from a different request reusing a key. */
    @Column(name = "request_hash")
    public String requestHash;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    /** When the run's train request was last published: at acceptance, on a hand-back, or again by the reconciler. */
    @Column(name = "queued_at", nullable = false)
    public Instant queuedAt;

    /** How often the reconciler published its train request again because no worker claimed it in time. */
    public int requeues;

    @Column(name = "claimed_at")
    public Instant claimedAt;

    @Column(name = "started_at")
    public Instant startedAt;

    @Column(name = "finished_at")
    public Instant finishedAt;

    /** Renewed by the owning worker while it trains; a stale one lets another worker take the run over. */
    /** When a study paused it at a rung of its pruner; null while it is not paused. */
    @Column(name = "paused_at")
    public Instant pausedAt;

    /** Seconds of its earlier pauses: not training time. */
    @Column(name = "paused_seconds", nullable = false)
    public double pausedSeconds;

    @Column(name = "heartbeat_at")
    public Instant heartbeatAt;

    /** Where it trains: "cpu" or "gpu:N". */
    public String device;

    @Column(name = "epochs_done", nullable = false)
    public int epochsDone;

    @Column(name = "best_epoch")
    public Integer bestEpoch;

    /** The test set's evaluation of the run's result (an EvaluationReport as JSON), once it succeeded. */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "result")
    public String resultJson;

    @Column(name = "failure_reason")
    public String failureReason;

    /** The model's champion measured on this run's test split (a ChampionEvaluation as JSON), or null. */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "champion_evaluation")
    public String championEvaluationJson;

    public TrainingSpec spec() {
        return Json.read(specJson, TrainingSpec.class);
    }

    /** The test set's evaluation of the run's result, or null until it succeeded. */
    public EvaluationReport result() {
        return resultJson == null ? null : Json.read(resultJson, EvaluationReport.class);
    }

    /** The champion measured on this run's test split by the run's worker, or null if it competed with none. */
    public ChampionEvaluation championEvaluation() {
        return championEvaluationJson == null ? null : Json.read(championEvaluationJson, ChampionEvaluation.class);
    }
}
