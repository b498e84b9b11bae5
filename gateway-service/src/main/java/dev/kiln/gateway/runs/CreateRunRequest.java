package dev.kiln.gateway.runs;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kiln.contracts.runs.TrainingSpec;

/**
 * The body of {@code POST /api/v1/runs}.
 *
 * @param spec            what to train (required)
 * @param experiment      an optional name grouping runs: 1 to 100 letters, digits, '.', '_' or '-'
 * @param registeredModel an optional registered model (same form of name) the run's result joins as a version
 *                        when it succeeds, and may become its champion by the model's policy
 */
public record CreateRunRequest(TrainingSpec spec, String experiment,
        // Left out of the idempotency hash when absent, so a request hashes as it did before the field existed.
        @JsonInclude(JsonInclude.Include.NON_NULL) String registeredModel) {
}
