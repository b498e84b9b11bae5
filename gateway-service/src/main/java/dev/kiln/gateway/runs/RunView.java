package dev.kiln.gateway.runs;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kiln.contracts.architectures.ArchitectureSummary;
import dev.kiln.contracts.runs.CheckpointRef;
import dev.kiln.contracts.runs.ChampionEvaluation;
import dev.kiln.contracts.runs.EvaluationReport;
import dev.kiln.contracts.runs.RunStatus;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.store.runs.RunRecord;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A run as the REST API shows it, with the URLs to follow it ({@code links}); the {@code project} it belongs to and
 * who submitted it ({@code submittedBy}: {@code token:<id>} or {@code oidc:<user>}; absent for a study's trials
 * and runs from before projects); {@code experiment} and
 * {@code registeredModel} (the registered model its result joins as a version) as the request named them.
 * Fields fill in as the run advances: {@code worker} and {@code claimedAt} once a worker claims it,
 * {@code startedAt} and {@code device} once it trains, {@code epochsDone} and {@code bestEpoch} per epoch,
 * {@code finishedAt} with {@code result} (the test set's evaluation of the result's weights) or
 * {@code failureReason} at the end; {@code championEvaluation}, for a succeeded run that competed with a champion,
 * is that champion measured on the run's test split (what the promotion policy compared it with); {@code checkpoints} (one run only) lists the stored checkpoints:
 * {@code last}, {@code best} and, once it succeeded, {@code model}, each with epoch and SHA-256;
 * {@code modelSize} is the model's trainable parameters and multiply-adds per image (the whole summary:
 * {@code links.summary}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunView(
        UUID id,
        RunStatus status,
        TrainingSpec spec,
        ModelSize modelSize,
        String project,
        String submittedBy,
        String experiment,
        String registeredModel,
        String worker,
        String device,
        int epochsDone,
        Integer bestEpoch,
        EvaluationReport result,
        ChampionEvaluation championEvaluation,
        String failureReason,
        Instant createdAt,
        Instant updatedAt,
        Instant claimedAt,
        Instant startedAt,
        Instant finishedAt,
        List<CheckpointRef> checkpoints,
        Links links) {

    /**
     * Where to follow the run; {@code misclassified} lists its most confidently misclassified test images (empty
     * until it succeeds), each with the URL of its PNG.
     */
    public record Links(String self, String metrics, String events, String cancel, String summary,
            String misclassified) {
        static Links of(UUID id) {
            String self = "/api/v1/runs/" + id;
            return new Links(self, self + "/metrics", self + "/events", self + "/cancel", self + "/summary",
                    self + "/misclassified");
        }
    }

    /** The model's trainable parameters (as PyTorch counts them) and multiply-adds per image. */
    public record ModelSize(long parameters, long multiplyAdds) {

        /** Null for a spec stored before a rule that it breaks existed: the run is still shown. */
        static ModelSize of(TrainingSpec spec) {
            try {
                ArchitectureSummary summary = spec.summary();
                return new ModelSize(summary.parameters(), summary.multiplyAdds());
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
    }

    /** The view of a stored run, with what checkpoints it has ({@code GET /api/v1/runs/{id}}). */
    public static RunView of(RunRecord run, List<CheckpointRef> checkpoints) {
        RunView view = of(run);
        return new RunView(view.id, view.status, view.spec, view.modelSize, view.project, view.submittedBy,
                view.experiment, view.registeredModel,
                view.worker, view.device, view.epochsDone, view.bestEpoch, view.result, view.championEvaluation,
                view.failureReason,
                view.createdAt, view.updatedAt, view.claimedAt, view.startedAt, view.finishedAt, checkpoints,
                view.links);
    }

    /** The view of a stored run, without its checkpoints (lists). */
    public static RunView of(RunRecord run) {
        TrainingSpec spec = run.spec();
        return new RunView(run.id, run.status, spec, ModelSize.of(spec), run.project, run.submittedBy,
                run.experiment, run.registeredModel,
                run.worker, run.device, run.epochsDone, run.bestEpoch, run.result(), run.championEvaluation(),
                run.failureReason, run.createdAt,
                run.updatedAt, run.claimedAt, run.startedAt, run.finishedAt, null, Links.of(run.id));
    }
}
