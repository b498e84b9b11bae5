package dev.kiln.gateway.runs;

import dev.kiln.contracts.runs.TrainingSpec;

/** The body of {@code POST /api/v1/runs}. */
public record CreateRunRequest(TrainingSpec spec) {
}
