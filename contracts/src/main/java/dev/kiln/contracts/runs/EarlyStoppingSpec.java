package dev.kiln.contracts.runs;

/**
 * Stop when the validation loss has not strictly improved for {@code patience} epochs; the best epoch's
 * weights are the run's result.
 */
public record EarlyStoppingSpec(Integer patience) {
}
