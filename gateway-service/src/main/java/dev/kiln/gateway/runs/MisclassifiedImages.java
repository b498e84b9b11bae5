package dev.kiln.gateway.runs;

import dev.kiln.contracts.runs.EvaluationReport;
import dev.kiln.contracts.runs.MisclassifiedExample;
import dev.kiln.contracts.validation.FieldError;
import dev.kiln.gateway.api.InvalidRequestException;
import dev.kiln.gateway.api.NotFoundProblem;
import dev.kiln.store.evaluation.MisclassifiedRepository;
import dev.kiln.store.runs.RunRecord;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;

/**
 * A run's most confidently misclassified test images as the API serves them (the trainer recorded them when it
 * evaluated the result): labels named by the run's result, each image behind its own URL.
 */
@ApplicationScoped
public class MisclassifiedImages {

    private final MisclassifiedRepository repository;

    public MisclassifiedImages(MisclassifiedRepository repository) {
        this.repository = repository;
    }

    /** Where a recorded test image of the run is served as a PNG. */
    public static String imageUrl(UUID runId, int index) {
        return "/api/v1/runs/" + runId + "/test-images/" + index;
    }

    /** The run's recorded mistakes by true class, the most confident first; empty until it succeeded. */
    public List<MisclassifiedExample> of(RunRecord run) {
        EvaluationReport result = run.result();
        List<String> classes = result == null ? List.of() : result.classes();
        return repository.forRun(run.id).stream()
                .map(m -> MisclassifiedExample.of(m.testIndex(), m.truth(), m.prediction(), m.probabilities(), classes,
                        imageUrl(run.id, m.testIndex())))
                .toList();
    }

    /**
     * The PNG of the run's test image at {@code index}, which must be one it recorded: 400 naming {@code index}
     * when that is not a whole number from 0, 404 naming it when the run recorded no image there.
     */
    public byte[] png(RunRecord run, String index) {
        int testIndex = parseIndex(index);
        byte[] png = repository.png(run.id, testIndex);
        if (png == null) {
            throw new NotFoundProblem("run " + run.id + " recorded no test image at index " + testIndex
                    + " (only its misclassified ones are kept, listed at /api/v1/runs/" + run.id + "/misclassified)");
        }
        return png;
    }

    private static int parseIndex(String index) {
        try {
            int parsed = Integer.parseInt(index);
            if (parsed >= 0) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new InvalidRequestException(List.of(new FieldError("index",
                "not a test image index (a whole number from 0): " + index)));
    }
}
