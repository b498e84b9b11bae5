package dev.kiln.gateway.models;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kiln.store.registry.ModelRegistryRepository.RegisteredModel;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A registered model as the REST API shows it: its promotion policy, its newest version, where its aliases
 * point (alias to version, e.g. {@code {"champion": 3}}) and, for one model ({@code GET /api/v1/models/{name}}),
 * its versions, newest first. {@code latestVersion} is absent while it has none; {@code updatedAt} is when its
 * policy or access last changed; {@code publicPrediction}: anyone may use its predictions, without a token.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelView(String name, ModelPolicy policy, boolean publicPrediction, Integer latestVersion,
        Map<String, Integer> aliases, List<Version> versions, Instant createdAt, Instant updatedAt) {

    /**
     * One version: the checkpoint it serves, pinned by its SHA-256, and where that came from ({@code source}): a
     * run ({@code runId}; {@code metricValue} is the model's metric when the version was registered,
     * {@code testAccuracy} and {@code testLoss} come from the run's test evaluation) or an imported file
     * ({@code importSha256}, the uploaded file's digest; no metrics, Kiln never evaluated it).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Version(int version, Source source, UUID runId, String importSha256, String checkpointSha256,
            Double metricValue, Double testAccuracy, Double testLoss, Instant createdAt) {
    }

    /** Where a version's checkpoint came from. */
    public enum Source {
        /** a succeeded run's {@code model} checkpoint */
        RUN,
        /** a model trained elsewhere, imported over the API */
        IMPORT
    }

    /** The model in a list, without its versions. */
    static ModelView of(RegisteredModel model, Integer latestVersion, Map<String, Integer> aliases) {
        return new ModelView(model.name(), ModelPolicy.of(model), model.publicPrediction(), latestVersion, aliases,
                null, model.createdAt(), model.updatedAt());
    }

    /** The model with its versions, newest first. */
    static ModelView of(RegisteredModel model, Map<String, Integer> aliases, List<Version> versions) {
        return new ModelView(model.name(), ModelPolicy.of(model), model.publicPrediction(),
                versions.isEmpty() ? null : versions.get(0).version(), aliases, versions, model.createdAt(),
                model.updatedAt());
    }
}
