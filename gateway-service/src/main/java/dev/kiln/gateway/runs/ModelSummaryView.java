package dev.kiln.gateway.runs;

import dev.kiln.contracts.architectures.ArchitectureSummary;
import dev.kiln.contracts.runs.TrainingSpec;

/**
 * A spec's model as it will train: the summary (each layer's output shape, parameters and multiply-adds, and the
 * totals) for the spec's data set, and the memory one training step at its batch size needs.
 *
 * @param model         the registry name, or {@code layers} for a declarative model
 * @param dataset       the data set (version) whose images and classes the summary is for
 * @param trainingBytes float32 estimate for one step at batchSize: layer outputs and their gradients, parameters,
 *                      gradients and two optimizer moments
 */
public record ModelSummaryView(String model, String dataset, int batchSize, long trainingBytes,
        ArchitectureSummary summary) {

    /** For a valid spec with its defaults filled in. */
    public static ModelSummaryView of(TrainingSpec spec) {
        ArchitectureSummary summary = spec.summary();
        return new ModelSummaryView(spec.model().label(), spec.dataset(), spec.batchSize(),
                summary.trainingBytes(spec.batchSize()), summary);
    }
}
