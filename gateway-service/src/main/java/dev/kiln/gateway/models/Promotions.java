package dev.kiln.gateway.models;

import dev.kiln.contracts.audit.AuditEventV1;
import dev.kiln.contracts.models.ModelPromotedV1;
import dev.kiln.contracts.models.ModelPromotedV1.Reason;
import dev.kiln.contracts.models.PromotionEvidence;
import dev.kiln.contracts.models.PromotionEvidence.MeasuredOn;
import dev.kiln.contracts.models.RolloutObservation;
import dev.kiln.contracts.models.RolloutPolicy;
import dev.kiln.contracts.runs.ChampionEvaluation;
import dev.kiln.contracts.runs.CheckpointRef;
import dev.kiln.contracts.runs.RunStatus;
import dev.kiln.gateway.api.ConflictProblem;
import dev.kiln.gateway.api.NotFoundProblem;
import dev.kiln.gateway.audit.AuditTrail;
import dev.kiln.gateway.rollouts.Rollouts;
import dev.kiln.gateway.runs.RunIds;
import dev.kiln.messaging.Outbox;
import dev.kiln.store.progress.CheckpointRecord;
import dev.kiln.store.progress.CheckpointRepository;
import dev.kiln.store.registry.ModelRegistryRepository;
import dev.kiln.store.registry.ModelRegistryRepository.AliasTarget;
import dev.kiln.store.registry.ModelRegistryRepository.ModelVersion;
import dev.kiln.store.registry.ModelRegistryRepository.Promotion;
import dev.kiln.store.registry.ModelRegistryRepository.RegisteredModel;
import dev.kiln.store.rollouts.RolloutRepository.Rollout;
import dev.kiln.store.runs.RunRecord;
import dev.kiln.store.runs.RunRepository;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Registers runs as model versions and moves aliases: by request ({@code MANUAL}), when a completed run beats
 * its model's champion under the model's {@link PromotionPolicy} ({@code POLICY}), and back when a rollout breaches
 * ({@code ROLLBACK}). A new champion goes out under the model's rollout policy ({@link Rollouts}). Each model changes under its
 * row lock, so gateway replicas never interleave on one model; every move is recorded and its
 * {@link ModelPromotedV1} queued in the outbox in the same transaction. Metric
 * {@code kiln_models_promotions_total{reason}}: the aliases moved.
 */
@ApplicationScoped
public class Promotions {

    private static final Logger LOG = Logger.getLogger(Promotions.class);

    /** What a transaction did to an alias: moved it ({@code why}: the reason in words), or found it in place. */
    private record Outcome(PromotionView promotion, boolean moved, String why) {
    }

    /** A run's version of a model, and whether this transaction added it. */
    private record Registration(RegisteredModel model, ModelVersion version, boolean added) {
    }

    private final ModelRegistryRepository registry;
    private final RunRepository runs;
    private final CheckpointRepository checkpoints;
    private final Outbox outbox;
    private final AuditTrail audit;
    private final Rollouts rollouts;
    private final Map<Reason, Counter> promoted = new EnumMap<>(Reason.class);

    public Promotions(ModelRegistryRepository registry, RunRepository runs, CheckpointRepository checkpoints,
            Outbox outbox, AuditTrail audit, Rollouts rollouts, MeterRegistry metrics) {
        this.audit = audit;
        this.rollouts = rollouts;
        this.registry = registry;
        this.runs = runs;
        this.checkpoints = checkpoints;
        this.outbox = outbox;
        for (Reason reason : Reason.values()) {
            promoted.put(reason, metrics.counter("kiln.models.promotions", "reason", reason.name()));
        }
    }

    /**
     * Points an alias of the model at a version, or at a succeeded run, which becomes a new version (and the
     * model is created) first if need be. Promoting to the version the alias points at already changes nothing
     * and answers the promotion that put it there. The model, run and version are the project's: another
     * project's are as unknown as ones that do not exist.
     */
    public PromotionView promote(String model, PromoteRequest request, String project) {
        return promote(model, request, project, Reason.MANUAL, "by request");
    }

    /** A completed study's best trial becomes the model's champion (reason {@code STUDY}). */
    public PromotionView promoteStudyWinner(String model, UUID runId, UUID studyId, String project) {
        return promote(model, new PromoteRequest(runId.toString(), null, null, null), project, Reason.STUDY,
                "best trial of study " + studyId);
    }

    private PromotionView promote(String model, PromoteRequest request, String project, Reason reason, String why) {
        PromoteRequest given = request == null ? new PromoteRequest(null, null, null, null) : request;
        ModelRegistry.requireValid(model, given.validate());
        String alias = given.target();
        Instant now = now();
        Outcome outcome = QuarkusTransaction.requiringNew().call(() -> {
            ModelVersion target = given.runId() != null
                    ? register(model, storedRun(UUID.fromString(given.runId()), project), now).version()
                    : storedVersion(model, given.version(), project);
            AliasTarget current = registry.alias(model, alias);
            if (current != null && current.version() == target.version()) {
                return new Outcome(PromotionView.of(registry.latestPromotion(model, alias), target), false, null);
            }
            return new Outcome(move(model, alias, target, reason, null, given.rollout(), now), true, why);
        });
        if (outcome.moved()) {
            announce(outcome);
        }
        return outcome.promotion();
    }

    /**
     * A run completed: if it names a registered model, it becomes the model's next version, and its champion if
     * the model's policy says so. A run that is a version already (a redelivered event) changes nothing, and
     * neither does one that cannot be a version (no stored {@code model} checkpoint), which is logged.
     *
     * @throws NotFoundProblem if the store does not know the run
     */
    public void registerCompleted(UUID runId) {
        Instant now = now();
        Outcome outcome;
        try {
            outcome = QuarkusTransaction.requiringNew().call(() -> {
                RunRecord run = runs.findById(runId);
                if (run == null) {
                    throw RunIds.unknown(runId);
                }
                return run.registeredModel == null ? null : registerAndJudge(run, now);
            });
        } catch (ConflictProblem e) {
            LOG.warnf("Completed run %s not registered: %s", runId, e.getMessage());
            return;
        }
        if (outcome != null) {
            announce(outcome);
        }
    }

    /** Registers the run as a version of the model it names and applies the policy: the move, or null if none. */
    private Outcome registerAndJudge(RunRecord run, Instant now) {
        String model = run.registeredModel;
        Registration registration = register(model, run, now);
        ModelVersion version = registration.version();
        if (!registration.added()) {
            LOG.infof("Run %s is version %d of model %s already; nothing to do", run.id, version.version(), model);
            return null;
        }
        PromotionPolicy policy = PromotionPolicy.of(registration.model());
        PromotionPolicy.Champion champion = champion(model, policy.metric(), run.championEvaluation());
        PromotionPolicy.Decision decision = policy.decide(version.metricValue(), champion);
        if (!decision.promote()) {
            LOG.infof("Model %s version %d (run %s) not promoted: %s", model, version.version(), run.id,
                    decision.reason());
            return null;
        }
        PromotionEvidence evidence = policy.evidence(version.metricValue(), run.result().images(), champion);
        return new Outcome(move(model, ModelRegistryRepository.CHAMPION, version, Reason.POLICY, evidence, null, now),
                true, decision.reason());
    }

    /**
     * The model's champion, with its value of {@code metric}: as the challenger's worker measured it on the
     * challenger's test split when it measured this champion, else from its own run's test evaluation (the
     * version's {@code metricValue} is in the metric the policy had when it was registered, which may have changed
     * since).
     *
     * @param measured the champion as the challenger's worker measured it, or null
     */
    private PromotionPolicy.Champion champion(String model, ModelMetric metric, ChampionEvaluation measured) {
        AliasTarget champion = registry.alias(model, ModelRegistryRepository.CHAMPION);
        if (champion == null) {
            return null;
        }
        if (measured != null && measured.test() != null && measured.version() == champion.version()) {
            return new PromotionPolicy.Champion(champion.version(), metric.of(measured.test()),
                    MeasuredOn.CHALLENGER_TEST_SPLIT);
        }
        // An imported champion was never evaluated by Kiln on its own data: no value, so the policy leaves it to a
        // person unless the challenger's worker could measure it.
        return new PromotionPolicy.Champion(champion.version(), champion.runId() == null ? null
                : metric.of(runs.findById(champion.runId()).result()), MeasuredOn.OWN_TEST_SPLIT);
    }

    /**
     * The run's version of the model, added as the model's next version (the model created first if need be)
     * unless it is one already. Leaves the model locked until the transaction ends.
     *
     * @throws ConflictProblem if the run did not succeed or has no stored {@code model} checkpoint
     */
    private Registration register(String model, RunRecord run, Instant now) {
        CheckpointRef checkpoint = modelCheckpoint(run);
        ModelNames.ensureInProject(registry, model, run.project, now);
        RegisteredModel locked = registry.lock(model);
        ModelVersion existing = registry.findVersionOfRun(model, run.id);
        if (existing != null) {
            return new Registration(locked, existing, false);
        }
        ModelMetric metric = ModelMetric.parse(locked.metric());
        ModelVersion added = registry.addVersion(model, run.id, checkpoint.sha256(), metric.of(run.result()), now);
        LOG.infof("Run %s registered as model %s version %d (%s %s)", run.id, model, added.version(), metric.id(),
                added.metricValue());
        return new Registration(locked, added, true);
    }

    private CheckpointRef modelCheckpoint(RunRecord run) {
        if (run.status != RunStatus.SUCCEEDED) {
            throw new ConflictProblem("Run " + run.id + " is " + run.status + "; only a SUCCEEDED run can be a model"
                    + " version");
        }
        return checkpoints.describe(run.id).stream()
                .filter(checkpoint -> CheckpointRecord.Kind.model.name().equals(checkpoint.kind()))
                .findFirst()
                .orElseThrow(() -> new ConflictProblem("Run " + run.id + " has no stored model checkpoint to serve"));
    }

    private RunRecord storedRun(UUID runId, String project) {
        RunRecord run = runs.findInProject(runId, project);
        if (run == null) {
            throw RunIds.unknown(runId);
        }
        return run;
    }

    /** The version of the model, locked; 404 for an unknown model or version. */
    private ModelVersion storedVersion(String model, int version, String project) {
        RegisteredModel locked = registry.lock(model);
        if (locked == null || !locked.project().equals(project)) {
            throw ModelRegistry.unknown(model);
        }
        ModelVersion stored = registry.findVersion(model, version);
        if (stored == null) {
            throw ModelRegistry.unknownVersion(model, version);
        }
        return stored;
    }

    /**
     * A rollout breached a threshold of the model's policy: ends it and moves the champion back to its baseline
     * (reason {@code ROLLBACK}), in one transaction with both events; nothing if the rollout moved on since it was
     * judged.
     */
    public void rollBack(Rollout judged, RolloutObservation seen, String why) {
        Instant now = now();
        Outcome outcome = QuarkusTransaction.requiringNew().call(() -> {
            Rollout current = rollouts.lockStillAt(judged);
            if (current == null) {
                return null;
            }
            rollouts.rolledBack(current, seen, why, now);
            ModelVersion baseline = registry.findVersion(current.model(), current.baselineVersion());
            return new Outcome(move(current.model(), ModelRegistryRepository.CHAMPION, baseline, Reason.ROLLBACK, null,
                    null, now), true, "the rollout of v" + current.candidateVersion() + " " + why);
        });
        if (outcome != null) {
            announce(outcome);
        }
    }

    /**
     * Moves the alias, records the move and queues its event: the caller's transaction holds the model's lock. A
     * champion goes out under the model's rollout policy, or the one the request asked for.
     */
    private PromotionView move(String model, String alias, ModelVersion target, Reason reason,
            PromotionEvidence evidence, RolloutPolicy.Mode rollout, Instant now) {
        Promotion promotion = registry.moveAlias(model, alias, target.version(), reason.name(), evidence, now);
        outbox.publish(new ModelPromotedV1(ModelPromotedV1.SCHEMA, model, alias, target.version(), target.runId(),
                target.checkpointSha256(), promotion.previousVersion(), reason, now, evidence));
        RegisteredModel registered = registry.find(model);
        if (ModelRegistryRepository.CHAMPION.equals(alias)) {
            rollouts.championMoved(model, target.version(), promotion.previousVersion(), reason,
                    registered.rollout().as(rollout), now);
        }
        if (reason != Reason.MANUAL) {
            // A manual promotion is its request's audit entry; Kiln's own have no request.
            audit.appendInTransaction(new AuditEventV1(AuditEventV1.SCHEMA, UUID.randomUUID(), now,
                    "kiln:" + reason.name().toLowerCase(Locale.ROOT), registered.project(), "model.promoted",
                    model + "/" + alias, 200, null, (promotion.previousVersion() == null ? "none"
                            : "v" + promotion.previousVersion()) + " -> v" + target.version() + " (" + reason + ")"));
        }
        return PromotionView.of(promotion, target);
    }

    /** Once a move is committed (its event with it): counts and logs it. */
    private void announce(Outcome outcome) {
        PromotionView promotion = outcome.promotion();
        promoted.get(Reason.valueOf(promotion.reason())).increment();
        LOG.infof("Model %s: %s now version %d (%s), was %s; %s: %s", promotion.model(), promotion.alias(),
                promotion.version(), promotion.runId() == null ? "imported" : "run " + promotion.runId(),
                promotion.previousVersion() == null ? "none"
                        : "version " + promotion.previousVersion(), promotion.reason(), outcome.why());
    }

    private static Instant now() {
        // PostgreSQL keeps microseconds: truncate so the answer equals what a later read returns.
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }
}
