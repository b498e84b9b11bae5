package dev.kiln.gateway.models;

import dev.kiln.contracts.models.RolloutPolicy;
import dev.kiln.contracts.validation.FieldError;
import dev.kiln.store.registry.ModelRegistryRepository.RegisteredModel;
import java.util.ArrayList;
import java.util.List;

/**
 * A registered model's promotion policy: the body of {@code PUT /api/v1/models/{name}/policy} (every field
 * required) and part of every model the API shows.
 *
 * @param metric         what "better" means: {@code test.accuracy} (higher wins) or {@code test.loss} (lower wins)
 * @param autoPromote    whether a completed run that beats the champion becomes the champion by itself
 * @param minImprovement how much a run must beat the champion by, in the metric's units: 0 or more
 * @param rollout        how a new champion goes out (optional: IMMEDIATE, at once); a CANARY or SHADOW is stored
 *                       and shown with its defaults filled in
 */
public record ModelPolicy(String metric, Boolean autoPromote, Double minImprovement, RolloutPolicy rollout) {

    static ModelPolicy of(RegisteredModel model) {
        return new ModelPolicy(model.metric(), model.autoPromote(), model.minImprovement(), model.rollout());
    }

    /** The rollout to store: IMMEDIATE when none was given. */
    RolloutPolicy effectiveRollout() {
        return rollout == null ? RolloutPolicy.IMMEDIATE : rollout.withDefaults();
    }

    /** Every problem of this policy as a request, naming its fields. */
    List<FieldError> validate() {
        List<FieldError> errors = new ArrayList<>();
        if (metric == null) {
            errors.add(new FieldError("metric", "required; one of " + ModelMetric.IDS));
        } else if (ModelMetric.parse(metric) == null) {
            errors.add(new FieldError("metric", "unknown metric '" + metric + "'; one of " + ModelMetric.IDS));
        }
        if (autoPromote == null) {
            errors.add(new FieldError("autoPromote", "required: true or false"));
        }
        if (minImprovement == null) {
            errors.add(new FieldError("minImprovement", "required: 0 or more"));
        } else if (!Double.isFinite(minImprovement) || minImprovement < 0) {
            errors.add(new FieldError("minImprovement", "must be a finite number, 0 or more, got " + minImprovement));
        }
        if (rollout != null) {
            errors.addAll(rollout.validate("rollout"));
        }
        return errors;
    }
}
