package dev.kiln.gateway.studies;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.runs.EpochMetrics;
import dev.kiln.contracts.runs.EvaluationReport;
import dev.kiln.contracts.runs.RunStatus;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.contracts.studies.SearchSpace;
import dev.kiln.contracts.studies.StudySpec;
import dev.kiln.contracts.studies.TrialSpecs;
import dev.kiln.gateway.models.Promotions;
import dev.kiln.gateway.quotas.Quotas;
import dev.kiln.gateway.runs.RunSubmissions;
import dev.kiln.store.experiments.ExperimentRepository;
import dev.kiln.store.runs.RunRecord;
import dev.kiln.store.runs.RunRepository;
import dev.kiln.store.studies.StudyRepository;
import dev.kiln.store.studies.StudyRepository.StudyRow;
import dev.kiln.store.studies.StudyRepository.TrialEpoch;
import dev.kiln.store.studies.StudyRepository.TrialRow;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Drives studies: after a trial's run event, on a timer, and when a study is created or given more budget,
 * it locks the study's row, reads its trials from the store, asks {@link StudyPlanner} what to do and does
 * it in the same transaction: prune (cancel the run, say why), hold trials at a rung of the pruner (pause the run)
 * and resume them, start trials (ordinary runs, through the outbox), end the study. The store holds all state, so a
 * restarted gateway resumes where it stopped, and the row lock keeps replicas from starting a trial twice.
 */
@ApplicationScoped
public class StudyScheduler {

    private static final Logger LOG = Logger.getLogger(StudyScheduler.class);

    /** A study that just completed and promotes its best trial's run. */
    private record Promotion(String model, UUID runId, String project) {
    }

    private final StudyRepository studies;
    private final RunRepository runs;
    private final ExperimentRepository experiments;
    private final RunSubmissions submissions;
    private final Promotions promotions;
    private final Quotas quotas;

    public StudyScheduler(StudyRepository studies, RunRepository runs, ExperimentRepository experiments,
            RunSubmissions submissions, Promotions promotions, Quotas quotas) {
        this.quotas = quotas;
        this.studies = studies;
        this.runs = runs;
        this.experiments = experiments;
        this.submissions = submissions;
        this.promotions = promotions;
    }

    @Scheduled(every = "${kiln.studies.poll-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void advanceAllOnTimer() {
        try {
            for (UUID id : QuarkusTransaction.requiringNew().call(studies::running)) {
                advance(id);
            }
        } catch (RuntimeException e) {
            LOG.warnf("Study round failed, will retry: %s", e.getMessage());
        }
    }

    /** Takes the study one step further; a no-op for a finished or unknown study. */
    public void advance(UUID studyId) {
        Promotion promotion = QuarkusTransaction.requiringNew().call(() -> advanceLocked(studyId));
        if (promotion != null) {
            LOG.infof("Study %s promotes its best trial (run %s) to %s", studyId, promotion.runId(), promotion.model());
            promotions.promoteStudyWinner(promotion.model(), promotion.runId(), studyId, promotion.project());
        }
    }

    private Promotion advanceLocked(UUID studyId) {
        StudyRow row = studies.lock(studyId);
        if (row == null || !"RUNNING".equals(row.status())) {
            return null;
        }
        StudySpec spec = Json.read(row.specJson(), StudySpec.class);
        List<Trial> trials = trials(studyId, spec);
        StudyPlanner.Plan plan = StudyPlanner.plan(spec, trials);
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        for (StudyPlanner.Prune prune : plan.prunes()) {
            Trial trial = trials.get(prune.trial() - 1);
            studies.prune(studyId, prune.trial(), prune.epoch(), prune.reason());
            submissions.stop(runs.findById(trial.runId()), prune.reason(), now);
            LOG.infof("Study %s: trial %d %s", studyId, prune.trial(), prune.reason());
        }
        for (StudyPlanner.Judged judged : plan.judged()) {
            studies.judged(studyId, judged.trial(), judged.epoch());
        }
        if (plan.finalStatus() != null) {
            if (plan.stopUnfinished()) {
                for (Trial trial : trials) {
                    if (trial.unfinished()) {
                        submissions.stop(runs.findById(trial.runId()), "study ended: " + plan.reason(), now);
                    }
                }
            }
            studies.finish(studyId, plan.finalStatus(), plan.reason(), plan.best(), now);
            LOG.infof("Study %s %s: %s; best trial %s", studyId, plan.finalStatus(), plan.reason(), plan.best());
            return spec.registeredModel() != null && plan.best() != null && "SUCCEEDED".equals(plan.finalStatus())
                    ? new Promotion(spec.registeredModel(), trials.get(plan.best() - 1).runId(), row.owner().project())
                    : null;
        }
        for (StudyPlanner.Pause pause : plan.pauses()) {
            if (submissions.pause(runs.findById(trials.get(pause.trial() - 1).runId()), pause.epoch(), pause.reason(),
                    now)) {
                LOG.infof("Study %s: trial %d paused, %s", studyId, pause.trial(), pause.reason());
            }
        }
        // Trials wait while the project's quotas (active runs, trainer-hours) leave no room; resumed ones first.
        int wanted = plan.resumes().size() + plan.launches();
        int starts = wanted == 0 ? 0 : Math.min(wanted, quotas.room(row.owner().project(), now));
        int resumed = 0;
        for (int number : plan.resumes().subList(0, Math.min(starts, plan.resumes().size()))) {
            Trial trial = trials.get(number - 1);
            // False when the run ended meanwhile (cancelled by hand); the next advance plans without it.
            if (submissions.resume(runs.findById(trial.runId()), trial.epochs().size(),
                    "resumed by study " + studyId + ": it goes on past its rung", now)) {
                resumed++;
                LOG.infof("Study %s: trial %d resumed after %d epochs", studyId, number, trial.epochs().size());
            }
        }
        SearchSpace space = SearchSpace.of(spec);
        int launches = Math.min(starts - resumed, plan.launches());
        for (int number = trials.size() + 1; number <= trials.size() + launches; number++) {
            launch(row, spec, number, space.trial(number), now);
        }
        studies.best(studyId, plan.best(), now);
        return null;
    }

    /** Starts a trial: a run of the study's project, submitted by the study's creator. */
    private void launch(StudyRow study, StudySpec spec, int number, Map<String, Object> parameters, Instant now) {
        UUID studyId = study.id();
        TrainingSpec trialSpec = TrialSpecs.apply(spec.base(), parameters);
        UUID runId = UUID.randomUUID();
        if (spec.experiment() != null) {
            experiments.ensure(spec.experiment(), study.owner().project(), now);
        }
        RunRecord run = runs.createQueued(runId, trialSpec, study.owner(), spec.experiment(), null, null, null, now);
        studies.addTrial(studyId, number, runId, Json.write(parameters), now);
        submissions.announceQueued(run, now);
        LOG.infof("Study %s: trial %d started as run %s with %s", studyId, number, runId, parameters);
    }

    /** The study's trials as the planner sees them. */
    List<Trial> trials(UUID studyId, StudySpec spec) {
        Map<Integer, List<EpochMetrics>> epochs = new HashMap<>();
        for (TrialEpoch epoch : studies.epochs(studyId)) {
            epochs.computeIfAbsent(epoch.trialNumber(), n -> new ArrayList<>())
                    .add(Json.read(epoch.metricsJson(), EpochMetrics.class));
        }
        List<Trial> trials = new ArrayList<>();
        for (TrialRow row : studies.trials(studyId)) {
            Map<String, Object> parameters = parameters(row.parametersJson());
            trials.add(new Trial(row.number(), row.runId(), state(row), parameters,
                    TrialSpecs.apply(spec.base(), parameters).epochs(), row.judgedEpoch(),
                    epochs.getOrDefault(row.number(), List.of()),
                    row.resultJson() == null ? null : Json.read(row.resultJson(), EvaluationReport.class),
                    row.prunedReason() != null ? row.prunedReason() : row.failureReason()));
        }
        return trials;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> parameters(String json) {
        return Json.read(json, Map.class);
    }

    private static Trial.State state(TrialRow row) {
        if (row.prunedReason() != null) {
            return Trial.State.PRUNED;
        }
        return switch (RunStatus.valueOf(row.runStatus())) {
            case QUEUED -> Trial.State.QUEUED;
            case CLAIMED, RUNNING -> Trial.State.RUNNING;
            case PAUSED -> Trial.State.PAUSED;
            case SUCCEEDED -> Trial.State.COMPLETED;
            case FAILED -> Trial.State.FAILED;
            case CANCELLED -> Trial.State.CANCELLED;
        };
    }
}
