package dev.kiln.gateway.triggers;

import dev.kiln.access.Caller;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.contracts.studies.StudySpec;
import dev.kiln.contracts.validation.FieldError;
import dev.kiln.contracts.validation.Names;
import dev.kiln.gateway.api.ConflictProblem;
import dev.kiln.gateway.api.InvalidRequestException;
import dev.kiln.gateway.api.NotFoundProblem;
import dev.kiln.gateway.models.ModelNames;
import dev.kiln.gateway.runs.CreateRunRequest;
import dev.kiln.gateway.runs.RunSubmissions;
import dev.kiln.gateway.studies.Studies;
import dev.kiln.store.datasets.DatasetRepository;
import dev.kiln.store.registry.ModelRegistryRepository;
import dev.kiln.store.triggers.TriggerRepository;
import dev.kiln.store.triggers.TriggerRepository.Trigger;
import dev.kiln.store.triggers.TriggerRepository.WhenKind;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/** Creating, reading, pausing and deleting a project's triggers; firing is {@link TriggerFirings}'. */
@ApplicationScoped
public class Triggers {

    private static final Pattern EVENT_TYPE = Pattern.compile("[A-Za-z0-9._-]{1,200}");

    private final TriggerRepository triggers;
    private final DatasetRepository datasets;
    private final RunSubmissions runs;
    private final Studies studies;
    private final ModelRegistryRepository registry;

    public Triggers(TriggerRepository triggers, DatasetRepository datasets, RunSubmissions runs, Studies studies,
            ModelRegistryRepository registry) {
        this.registry = registry;
        this.triggers = triggers;
        this.datasets = datasets;
        this.runs = runs;
        this.studies = studies;
    }

    /**
     * Stores the caller's trigger, which fires as the caller (its runs are the caller's) in the caller's project.
     *
     * @throws InvalidRequestException naming every problem's field
     * @throws ConflictProblem         when the project has a trigger of that name, or the run or study competes
     *                                 for another project's model
     */
    public TriggerView create(TriggerRequest request, Caller caller) {
        List<FieldError> errors = new ArrayList<>();
        if (request == null) {
            throw new InvalidRequestException(List.of(new FieldError("body", "a trigger is required")));
        }
        Names.check("name", request.name(), errors);
        if (request.name() == null) {
            errors.add(new FieldError("name", "is required"));
        }
        Trigger draft = draft(request, caller, errors);
        if (!errors.isEmpty()) {
            throw new InvalidRequestException(errors);
        }
        boolean created = QuarkusTransaction.requiringNew().call(() -> triggers.create(draft));
        if (!created) {
            throw new ConflictProblem("Project " + caller.project() + " already has a trigger named " + request.name());
        }
        return TriggerView.of(draft);
    }

    /** The trigger to store, its problems added to {@code errors}. */
    private Trigger draft(TriggerRequest request, Caller caller, List<FieldError> errors) {
        TriggerRequest.When when = request.when();
        int conditions = when == null ? 0 : (when.datasetReady() != null ? 1 : 0) + (when.event() != null ? 1 : 0)
                + (when.schedule() != null ? 1 : 0);
        if (conditions != 1) {
            errors.add(new FieldError("when", "exactly one of datasetReady, event, schedule is required"));
        }
        CreateRunRequest run = request.run();
        StudySpec study = request.study();
        if ((run == null) == (study == null)) {
            errors.add(new FieldError("run", "exactly one of run (a run to submit), study (a study to start) is"
                    + " required"));
        } else if (run != null && run.spec() == null) {
            errors.add(new FieldError("run.spec", "the run to submit is required"));
        } else if (study != null && study.base() == null) {
            errors.add(new FieldError("study.base", "the study's base spec is required"));
        }
        if (!errors.isEmpty()) {
            return null;
        }
        // What trains: the run's spec, or the study's base spec its trials vary.
        String specField = run != null ? "run.spec" : "study.base";
        TrainingSpec spec = run != null ? run.spec() : study.base();
        WhenKind kind;
        if (when.datasetReady() != null) {
            kind = WhenKind.DATASET_READY;
            var dataset = datasets.findVisible(when.datasetReady(), caller.project());
            if (dataset == null) {
                errors.add(new FieldError("when.datasetReady", "no data set " + when.datasetReady()
                        + " in project " + caller.project()));
            } else if (dataset.builtIn()) {
                errors.add(new FieldError("when.datasetReady", when.datasetReady()
                        + " is built in and gets no new versions"));
            } else if (spec.dataset() != null && !spec.dataset().equals(when.datasetReady())) {
                errors.add(new FieldError(specField + ".dataset", "must be " + when.datasetReady()
                        + " (or absent): each firing trains on the version that became READY"));
            }
            spec = spec.onDataset(when.datasetReady());
        } else if (when.event() != null) {
            kind = WhenKind.EVENT;
            if (when.event().type() == null || !EVENT_TYPE.matcher(when.event().type()).matches()) {
                errors.add(new FieldError("when.event.type", "a CloudEvents type is required, e.g. "
                        + "dev.kiln.model.promoted.v1 (contracts/README.md lists Kiln's)"));
            }
            if (when.event().subject() != null && (when.event().subject().isBlank()
                    || when.event().subject().length() > 200)) {
                errors.add(new FieldError("when.event.subject", "1 to 200 characters, or absent for any subject"));
            }
        } else {
            kind = WhenKind.SCHEDULE;
            String problem = Schedules.problem(when.schedule());
            if (problem != null) {
                errors.add(new FieldError("when.schedule", problem));
            }
        }
        // The action is checked now as far as it can be: a data set trigger's against the version READY today,
        // if any (each firing checks it again against its own version, and records why if it no longer fits).
        boolean checkable = kind != WhenKind.DATASET_READY
                || (errors.isEmpty() && datasets.latestReady(when.datasetReady()) != null);
        String competesFor = run != null ? run.registeredModel() : study.registeredModel();
        if (errors.isEmpty() && competesFor != null) {
            // Another project's model: refused now (409), not at every firing.
            QuarkusTransaction.requiringNew().run(() -> ModelNames.requireOwnOrNone(registry, competesFor,
                    caller.project()));
        }
        String runRequest = null;
        String studyRequest = null;
        if (run != null) {
            Names.check("run.experiment", run.experiment(), errors);
            Names.check("run.registeredModel", run.registeredModel(), errors);
            if (errors.isEmpty() && checkable) {
                try {
                    runs.checked(spec, caller.project());
                } catch (InvalidRequestException e) {
                    e.violations().forEach(v -> errors.add(new FieldError("run." + v.field(), v.message())));
                }
            }
            runRequest = Json.write(new CreateRunRequest(spec, run.experiment(), run.registeredModel()));
        } else {
            StudySpec stored = study.withBase(spec);
            if (errors.isEmpty() && checkable) {
                try {
                    studies.checked(stored, caller.project());
                } catch (InvalidRequestException e) {
                    e.violations().forEach(v -> errors.add(new FieldError("study." + v.field(), v.message())));
                }
            }
            studyRequest = Json.write(stored);
        }
        return new Trigger(UUID.randomUUID(), caller.project(), request.name(), kind, when.datasetReady(),
                when.event() == null ? null : when.event().type(), when.event() == null ? null : when.event().subject(),
                when.schedule(), runRequest, studyRequest, caller.name(),
                Instant.now().truncatedTo(ChronoUnit.MICROS), Boolean.TRUE.equals(request.paused()));
    }

    public List<TriggerView> list(String project) {
        return QuarkusTransaction.requiringNew().call(() -> triggers.list(project)).stream().map(TriggerView::of)
                .toList();
    }

    public TriggerView view(UUID id, String project) {
        return TriggerView.of(found(id, project));
    }

    /** Pauses or resumes: a paused trigger lets its causes pass without firing. */
    public TriggerView setPaused(UUID id, Boolean paused, String project) {
        if (paused == null) {
            throw new InvalidRequestException(List.of(new FieldError("paused", "true or false is required")));
        }
        if (!QuarkusTransaction.requiringNew().call(() -> triggers.setPaused(id, project, paused))) {
            throw unknown(id);
        }
        return view(id, project);
    }

    public void delete(UUID id, String project) {
        if (!QuarkusTransaction.requiringNew().call(() -> triggers.delete(id, project))) {
            throw unknown(id);
        }
    }

    public List<TriggerView.FiringView> firings(UUID id, String project, int limit) {
        found(id, project);
        return QuarkusTransaction.requiringNew().call(() -> triggers.firings(id, limit)).stream()
                .map(TriggerView.FiringView::of).toList();
    }

    private Trigger found(UUID id, String project) {
        Trigger trigger = QuarkusTransaction.requiringNew().call(() -> triggers.find(id, project));
        if (trigger == null) {
            throw unknown(id);
        }
        return trigger;
    }

    private static NotFoundProblem unknown(UUID id) {
        return new NotFoundProblem("No trigger with id " + id);
    }
}
