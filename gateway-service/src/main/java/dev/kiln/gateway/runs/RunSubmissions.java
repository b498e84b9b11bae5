package dev.kiln.gateway.runs;

import dev.kiln.access.Caller;
import dev.kiln.access.NotPermitted;
import dev.kiln.contracts.access.Role;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.messaging.Topics;
import dev.kiln.contracts.runs.RunCommandV1;
import dev.kiln.contracts.runs.RunEventV1;
import dev.kiln.contracts.runs.TrainRequestV1;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.contracts.runs.TrainingSpecValidator;
import dev.kiln.contracts.validation.FieldError;
import dev.kiln.contracts.validation.Names;
import dev.kiln.gateway.api.ConflictProblem;
import dev.kiln.gateway.api.InvalidRequestException;
import dev.kiln.gateway.datasets.DatasetPins;
import dev.kiln.gateway.models.ModelNames;
import dev.kiln.gateway.quotas.Quotas;
import dev.kiln.messaging.Outbox;
import dev.kiln.store.experiments.ExperimentRepository;
import dev.kiln.store.registry.ModelRegistryRepository;
import dev.kiln.store.runs.Owner;
import dev.kiln.store.runs.RunRecord;
import dev.kiln.store.runs.RunRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.PersistenceException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * Accepting and cancelling runs. A request is validated, then the run and its Kafka message are stored in
 * one transaction (the outbox), so an accepted request survives a crash or a Kafka outage. With an
 * Idempotency-Key, a retried request returns the run the first one created. The experiment and the registered
 * model a run names are created by the first run naming them (the model with the default promotion policy).
 */
@ApplicationScoped
public class RunSubmissions {

    private static final Logger LOG = Logger.getLogger(RunSubmissions.class);

    static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7e]{1,200}");

    /** The run, and whether this request created it (false: an earlier request with the same key did). */
    public record Submission(RunView run, boolean created) {
    }

    private final RunRepository runs;
    private final Outbox outbox;
    private final ExperimentRepository experiments;
    private final ModelRegistryRepository registry;
    private final DatasetPins pins;
    private final BaseModels baseModels;
    private final Quotas quotas;

    public RunSubmissions(RunRepository runs, Outbox outbox, ExperimentRepository experiments,
            ModelRegistryRepository registry, DatasetPins pins, BaseModels baseModels, Quotas quotas) {
        this.quotas = quotas;
        this.pins = pins;
        this.baseModels = baseModels;
        this.runs = runs;
        this.outbox = outbox;
        this.experiments = experiments;
        this.registry = registry;
    }

    /**
     * The spec pinned to its data set version, validated, with its defaults filled in.
     *
     * @throws InvalidRequestException listing every problem, under {@code spec.}
     */
    public TrainingSpec checked(TrainingSpec spec, String project) {
        List<FieldError> errors = new ArrayList<>();
        TrainingSpec pinned = pinnedAndValidated(spec, errors, project);
        if (!errors.isEmpty()) {
            throw new InvalidRequestException(errors);
        }
        return pinned.withDefaults();
    }

    /**
     * The spec pinned to its data set version and to the base model it starts from (then checked again, as the
     * base's architecture); its problems added to {@code errors} under {@code spec.}.
     */
    private TrainingSpec pinnedAndValidated(TrainingSpec spec, List<FieldError> errors, String project) {
        TrainingSpec pinned = pins.pin(BaseModels.unpinned(spec), "spec.dataset", errors, project);
        errors.addAll(TrainingSpecValidator.validate(pinned, "spec"));
        if (errors.isEmpty() && pinned.init() != null) {
            pinned = baseModels.pin(pinned, "spec", errors, project);
            if (errors.isEmpty()) {
                errors.addAll(TrainingSpecValidator.validate(pinned, "spec"));
            }
        }
        return pinned;
    }

    /** Accepts the request as the caller's: the run belongs to the caller's project and names its submitter. */
    public Submission submit(CreateRunRequest request, String idempotencyKey, Caller caller) {
        List<FieldError> errors = new ArrayList<>();
        TrainingSpec pinned = pinnedAndValidated(request == null ? null : request.spec(), errors, caller.project());
        if (request != null) {
            Names.check("experiment", request.experiment(), errors);
            Names.check("registeredModel", request.registeredModel(), errors);
        }
        if (idempotencyKey != null && !IDEMPOTENCY_KEY.matcher(idempotencyKey).matches()) {
            errors.add(new FieldError("Idempotency-Key", "must be 1 to 200 visible ASCII characters"));
        }
        if (!errors.isEmpty()) {
            throw new InvalidRequestException(errors);
        }
        TrainingSpec spec = pinned.withDefaults();
        // The request as sent, defaults filled: a retry matches even once a newer data set version is READY or
        // the base model's alias has moved.
        String hash = sha256(Json.write(new CreateRunRequest(BaseModels.asRequested(DatasetPins.asRequested(spec,
                request.spec().dataset()), request.spec()), request.experiment(), request.registeredModel())));
        if (idempotencyKey != null) {
            Submission earlier = earlier(caller.project(), idempotencyKey, hash);
            if (earlier != null) {
                return earlier;
            }
        }
        quotas.throttle(caller);
        Owner owner = new Owner(caller.project(), caller.name());
        UUID id = UUID.randomUUID();
        // PostgreSQL keeps microseconds: truncate so the answer equals what a later read returns.
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        try {
            return QuarkusTransaction.requiringNew().call(() -> {
                if (request.experiment() != null) {
                    experiments.ensure(request.experiment(), owner.project(), now);
                }
                if (request.registeredModel() != null) {
                    ModelNames.ensureInProject(registry, request.registeredModel(), owner.project(), now);
                }
                quotas.admitRuns(owner.project(), 1, now);
                RunRecord run = runs.createQueued(id, spec, owner, request.experiment(), request.registeredModel(),
                        idempotencyKey, hash, now);
                announceQueued(run, now);
                return new Submission(RunView.of(run), true);
            });
        } catch (PersistenceException e) {
            // Two requests with one key at the same moment: the unique index let one in; answer with its run.
            Submission earlier = idempotencyKey == null ? null : earlier(caller.project(), idempotencyKey, hash);
            if (earlier == null) {
                throw e;
            }
            return earlier;
        }
    }

    /**
     * Cancels a run of the caller's project that has not finished; the worker training it is told through the
     * run-commands topic, and watchers through a CANCELLED run event, both from the outbox. A member may cancel
     * only the runs it submitted; a maintainer any.
     */
    public RunView cancel(UUID id, Caller caller) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        return QuarkusTransaction.requiringNew().call(() -> {
            RunRecord run = runs.findInProject(id, caller.project());
            if (run == null) {
                throw RunIds.unknown(id);
            }
            if (!caller.role().includes(Role.MAINTAINER) && !caller.name().equals(run.submittedBy)) {
                throw new NotPermitted("A member cancels only the runs it submitted; run " + id + " was submitted by "
                        + (run.submittedBy == null ? "no caller (a study's trial, or a run from before projects)"
                                : run.submittedBy) + ". A maintainer can cancel it.");
            }
            if (!stop(run, "cancelled by request", now)) {
                throw new ConflictProblem("Run " + id + " has already finished: " + run.status);
            }
            runs.getEntityManager().refresh(run);
            return RunView.of(run);
        });
    }

    /**
     * Queues a stored run for training: its train request and QUEUED event go to the outbox, in the caller's
     * transaction (the one that stored the run).
     */
    public void announceQueued(RunRecord run, Instant now) {
        outbox.publish(TrainRequestV1.of(run.id, run.spec(), now));
        outbox.publish(RunEventV1.queued(run.id, null, now, null, null));
    }

    /**
     * Publishes again the train request of every QUEUED run that no worker claimed in time (see
     * {@link RunRepository#unclaimed}), unless its request still waits in the outbox (Kafka away).
     *
     * @return how many were published again
     */
    public int requeueUnclaimed(Duration after, int limit) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        return QuarkusTransaction.requiringNew().call(() -> {
            int count = 0;
            for (RunRecord run : runs.unclaimed(after, now, limit)) {
                if (outbox.pending(Topics.TRAIN_REQUESTS, run.id.toString())) {
                    continue;
                }
                LOG.infof("Run %s queued since %s and not claimed; publishing its train request again (%d)", run.id,
                        run.queuedAt, run.requeues + 1);
                runs.requeued(run, now);
                outbox.publish(TrainRequestV1.of(run.id, run.spec(), now));
                count++;
            }
            return count;
        });
    }

    /**
     * Cancels an unfinished run in the caller's transaction: the store says CANCELLED with the reason, and the
     * worker (a CANCEL command) and watchers (a CANCELLED event) are told through the outbox.
     *
     * @return false if the run had already finished
     */
    public boolean stop(RunRecord run, String reason, Instant now) {
        if (!runs.cancel(run.id, reason, now)) {
            return false;
        }
        outbox.publish(RunCommandV1.cancel(run.id, now));
        outbox.publish(RunEventV1.cancelled(run.id, run.worker, now, null, reason));
        return true;
    }

    /**
     * Holds a study's trial at a rung, in the caller's transaction: the store says PAUSED, the worker training it
     * stops within a batch (the CANCEL command: it leaves the run as the store has it, its checkpoint kept), and
     * watchers hear a PAUSED event, both through the outbox.
     *
     * @param epoch the rung it waits at
     * @return false if the run was not queued or training
     */
    public boolean pause(RunRecord run, int epoch, String reason, Instant now) {
        if (!runs.pause(run.id, now)) {
            return false;
        }
        outbox.publish(RunCommandV1.cancel(run.id, now));
        outbox.publish(RunEventV1.paused(run.id, run.worker, now, epoch, reason));
        return true;
    }

    /**
     * Queues a paused trial again under its run id, in the caller's transaction: its train request is published
     * again and a QUEUED event says so; the worker that claims it resumes it from its last checkpoint.
     *
     * @param epochsDone the epochs it resumes after
     * @return false if the run was not paused
     */
    public boolean resume(RunRecord run, int epochsDone, String reason, Instant now) {
        if (!runs.resume(run.id, now)) {
            return false;
        }
        outbox.publish(TrainRequestV1.of(run.id, run.spec(), now));
        outbox.publish(RunEventV1.queued(run.id, null, now, epochsDone, reason));
        return true;
    }

    private Submission earlier(String project, String idempotencyKey, String hash) {
        RunRecord existing = QuarkusTransaction.requiringNew().call(
                () -> runs.findByIdempotencyKey(project, idempotencyKey));
        if (existing == null) {
            return null;
        }
        if (!hash.equals(existing.requestHash)) {
            throw new ConflictProblem("Idempotency-Key '" + idempotencyKey + "' was used for a different request (run "
                    + existing.id + "); use a new key for a new run");
        }
        return new Submission(RunView.of(existing), false);
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has SHA-256", e);
        }
    }
}
