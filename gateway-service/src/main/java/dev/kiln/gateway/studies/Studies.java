package dev.kiln.gateway.studies;

import dev.kiln.access.Caller;
import dev.kiln.access.NotPermitted;
import dev.kiln.contracts.access.Role;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.studies.ObjectiveSpec;
import dev.kiln.contracts.studies.StudySpec;
import dev.kiln.contracts.studies.StudySpecValidator;
import dev.kiln.contracts.validation.FieldError;
import dev.kiln.gateway.api.ConflictProblem;
import dev.kiln.gateway.api.InvalidRequestException;
import dev.kiln.gateway.api.NotFoundProblem;
import dev.kiln.gateway.datasets.DatasetPins;
import dev.kiln.gateway.models.ModelNames;
import dev.kiln.gateway.quotas.Quotas;
import dev.kiln.gateway.runs.BaseModels;
import dev.kiln.gateway.runs.RunSubmissions;
import dev.kiln.store.experiments.ExperimentRepository;
import dev.kiln.store.registry.ModelRegistryRepository;
import dev.kiln.store.runs.Owner;
import dev.kiln.store.runs.RunRepository;
import dev.kiln.store.studies.StudyRepository;
import dev.kiln.store.studies.StudyRepository.StudyRow;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

/** Creating, reading, cancelling studies and raising their budget; the scheduler does the rest. */
@ApplicationScoped
public class Studies {

    /** The body of {@code PATCH /api/v1/studies/{id}}: a larger budget, either or both. */
    public record BudgetChange(Integer maxTrials, Integer parallelTrials) {
    }

    private final StudyRepository studies;
    private final RunRepository runs;
    private final ExperimentRepository experiments;
    private final RunSubmissions submissions;
    private final StudyScheduler scheduler;
    private final DatasetPins pins;
    private final BaseModels baseModels;
    private final ModelRegistryRepository registry;
    private final Quotas quotas;

    public Studies(StudyRepository studies, RunRepository runs, ExperimentRepository experiments,
            RunSubmissions submissions, StudyScheduler scheduler, DatasetPins pins, BaseModels baseModels,
            ModelRegistryRepository registry, Quotas quotas) {
        this.registry = registry;
        this.quotas = quotas;
        this.pins = pins;
        this.baseModels = baseModels;
        this.studies = studies;
        this.runs = runs;
        this.experiments = experiments;
        this.submissions = submissions;
        this.scheduler = scheduler;
    }

    /** Validates and stores the study as the caller's, then starts its first trials. */
    public StudyView create(StudySpec request, Caller caller) {
        return create(request, caller, null);
    }

    /**
     * The same, at most once per idempotency key in the caller's project (a trigger's firing for one cause): a
     * second call with the key answers the study the first one stored.
     *
     * @param idempotencyKey null, or the key
     */
    public StudyView create(StudySpec request, Caller caller, String idempotencyKey) {
        if (idempotencyKey != null) {
            // Before any check: a retry answers what the first call stored, whatever changed since.
            StudyRow earlier = QuarkusTransaction.requiringNew().call(
                    () -> studies.findByIdempotencyKey(caller.project(), idempotencyKey));
            if (earlier != null) {
                return view(earlier.id(), caller.project());
            }
        }
        StudySpec spec = checked(request, caller.project()).withDefaults();
        if (spec.registeredModel() != null && !caller.role().includes(Role.MAINTAINER)) {
            // Its best trial becomes the model's champion with no policy to pass: a promotion, which is a maintainer's.
            throw new NotPermitted("registeredModel: a study that names a registered model promotes its best trial to "
                    + "the model's champion, which takes the maintainer role; without it, promote the trial's run "
                    + "afterwards, or submit it as a run naming the model, which its promotion policy judges");
        }
        quotas.throttle(caller);
        UUID id = UUID.randomUUID();
        Instant now = now();
        UUID stored = QuarkusTransaction.requiringNew().call(() -> {
            quotas.admitStudy(caller.project(), spec.parallelTrials(), now);
            if (spec.registeredModel() != null) {
                ModelNames.requireOwnOrNone(registry, spec.registeredModel(), caller.project());
            }
            if (spec.experiment() != null) {
                experiments.ensure(spec.experiment(), caller.project(), now);
            }
            // The unique key settles a race the lookup above missed (two replicas firing at once).
            boolean created = studies.create(id, Json.write(spec), spec.experiment(),
                    new Owner(caller.project(), caller.name()), idempotencyKey, now);
            return created ? id : null;
        });
        if (stored == null) {
            stored = QuarkusTransaction.requiringNew().call(
                    () -> studies.findByIdempotencyKey(caller.project(), idempotencyKey).id());
        }
        scheduler.advance(stored);
        return view(stored, caller.project());
    }

    /**
     * The study as it would be stored for the project: its data set version (and base model) pinned, every field
     * checked.
     *
     * @throws InvalidRequestException naming every problem's field
     */
    public StudySpec checked(StudySpec request, String project) {
        List<FieldError> errors = new ArrayList<>();
        // Every trial trains on the same data set version: pinned once, here.
        StudySpec pinned = request == null || request.base() == null ? request
                : request.withBase(pins.pin(BaseModels.unpinned(request.base()), "base.dataset", errors, project));
        errors.addAll(StudySpecValidator.validate(pinned, ""));
        if (errors.isEmpty() && pinned.base().init() != null) {
            // Every trial starts from the same base model too; its architecture then checked with the search space.
            pinned = pinned.withBase(baseModels.pin(pinned.base(), "base", errors, project));
            if (errors.isEmpty()) {
                errors.addAll(StudySpecValidator.validate(pinned, ""));
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidRequestException(errors);
        }
        return pinned;
    }

    /** The project's study; another project's is as unknown as one that does not exist. */
    public StudyView view(UUID id, String project) {
        return QuarkusTransaction.requiringNew().call(() -> {
            StudyRow row = studies.find(id);
            if (row == null || !row.owner().project().equals(project)) {
                throw unknown(id);
            }
            StudySpec spec = Json.read(row.specJson(), StudySpec.class);
            List<Trial> trials = scheduler.trials(id, spec);
            ObjectiveSpec objective = spec.objective();
            Integer best = StudyPlanner.best(objective, trials);
            List<StudyView.TrialView> views = trials.stream().map(t -> new StudyView.TrialView(t.number(), t.runId(),
                    t.state(), t.parameters(), t.epochs().size(), StudyPlanner.value(objective, t),
                    t.test() == null ? null : t.test().accuracy(), t.test() == null ? null : t.test().loss(),
                    t.reason(), best != null && best == t.number())).toList();
            return new StudyView(row.id(), row.status(), row.reason(), row.owner().project(),
                    row.owner().submittedBy(), spec, best, views, leaderboard(objective, views), row.createdAt(),
                    row.updatedAt(), row.finishedAt());
        });
    }

    public List<StudyView> list(String project, int offset, int limit) {
        List<UUID> ids = QuarkusTransaction.requiringNew().call(() ->
                studies.list(project, offset, limit).stream().map(StudyRow::id).toList());
        return ids.stream().map(id -> view(id, project)).toList();
    }

    /** Cancels the study and its trials in flight or paused; 409 if it already ended. */
    public StudyView cancel(UUID id, Caller caller) {
        Instant now = now();
        QuarkusTransaction.requiringNew().run(() -> {
            StudyRow row = lockedForChange(id, caller);
            if (!"RUNNING".equals(row.status())) {
                throw new ConflictProblem("Study " + id + " has already ended: " + row.status());
            }
            for (Trial trial : scheduler.trials(id, Json.read(row.specJson(), StudySpec.class))) {
                if (trial.unfinished()) {
                    submissions.stop(runs.findById(trial.runId()), "study cancelled by request", now);
                }
            }
            studies.finish(id, "CANCELLED", "cancelled by request", null, now);
        });
        return view(id, caller.project());
    }

    /**
     * The caller's project's study, locked: 404 for another project's; 403 for a member changing a study another
     * caller created (a maintainer changes any).
     */
    private StudyRow lockedForChange(UUID id, Caller caller) {
        StudyRow row = studies.lock(id);
        if (row == null || !row.owner().project().equals(caller.project())) {
            throw unknown(id);
        }
        if (!caller.role().includes(Role.MAINTAINER) && !caller.name().equals(row.owner().submittedBy())) {
            throw new NotPermitted("A member changes only the studies it created; study " + id + " was created by "
                    + (row.owner().submittedBy() == null ? "no caller (before projects)" : row.owner().submittedBy())
                    + ". A maintainer can change it.");
        }
        return row;
    }

    /**
     * Raises the trial budget or the parallelism of a running or finished study; a study that ended because it
     * had spent its budget runs again. Lowering either is refused.
     */
    public StudyView changeBudget(UUID id, BudgetChange change, Caller caller) {
        Instant now = now();
        QuarkusTransaction.requiringNew().run(() -> {
            StudyRow row = lockedForChange(id, caller);
            StudySpec spec = Json.read(row.specJson(), StudySpec.class);
            int maxTrials = change == null || change.maxTrials() == null ? spec.maxTrials() : change.maxTrials();
            int parallel = change == null || change.parallelTrials() == null ? spec.parallelTrials()
                    : change.parallelTrials();
            List<FieldError> errors = new ArrayList<>();
            if (change == null || change.maxTrials() == null && change.parallelTrials() == null) {
                errors.add(new FieldError("(body)", "give maxTrials, parallelTrials or both"));
            }
            if (maxTrials < spec.maxTrials()) {
                errors.add(new FieldError("maxTrials", "can only grow: " + spec.maxTrials() + " now, got " + maxTrials));
            }
            if (parallel < spec.parallelTrials()) {
                errors.add(new FieldError("parallelTrials", "can only grow: " + spec.parallelTrials() + " now, got "
                        + parallel));
            }
            StudySpec changed = new StudySpec(spec.base(), spec.parameters(), spec.algorithm(), spec.seed(),
                    spec.objective(), maxTrials, parallel, spec.maxFailedTrials(), spec.pruner(), spec.registeredModel(),
                    spec.experiment());
            errors.addAll(StudySpecValidator.validate(changed, ""));
            if (!errors.isEmpty()) {
                throw new InvalidRequestException(errors);
            }
            if ("CANCELLED".equals(row.status()) || "FAILED".equals(row.status())) {
                throw new ConflictProblem("Study " + id + " is " + row.status() + "; only a running or succeeded"
                        + " study can be continued");
            }
            quotas.admitStudy(caller.project(), parallel, now);
            studies.updateSpec(id, Json.write(changed), now);
            if ("SUCCEEDED".equals(row.status()) && maxTrials > spec.maxTrials()) {
                studies.reopen(id, now);
            }
        });
        scheduler.advance(id);
        return view(id, caller.project());
    }

    /** Completed trials by objective (best first), then the others by number. */
    private static List<Integer> leaderboard(ObjectiveSpec objective, List<StudyView.TrialView> trials) {
        Comparator<StudyView.TrialView> byObjective = (a, b) -> objective.better(a.objective(), b.objective()) ? -1
                : objective.better(b.objective(), a.objective()) ? 1 : Integer.compare(a.number(), b.number());
        List<StudyView.TrialView> ranked = new ArrayList<>(trials.stream()
                .filter(t -> t.state() == Trial.State.COMPLETED && t.objective() != null).sorted(byObjective).toList());
        trials.stream().filter(t -> !ranked.contains(t)).forEach(ranked::add);
        return ranked.stream().map(StudyView.TrialView::number).toList();
    }

    static NotFoundProblem unknown(UUID id) {
        return new NotFoundProblem("No study with id " + id);
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }
}
