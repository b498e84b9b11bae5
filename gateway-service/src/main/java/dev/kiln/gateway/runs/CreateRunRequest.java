package dev.kiln.gateway.runs;

import dev.kiln.contracts.runs.TrainingSpec;

/**
 * The body of {@code POST /api/v1/runs}.
 *
 * @param spec       what to train (required)
 * @param experiment an optional name grouping runs: 1 to 100 letters, digits, '.', '_' or '-'
 */
public record CreateRunRequest(TrainingSpec spec, String experiment) {
}
