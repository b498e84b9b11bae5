package dev.kiln.contracts.runs;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * What one epoch measured. Validation values are null when the spec holds out no validation data.
 *
 * @param imagesPerSecond         training throughput of the whole step (data, forward, backward, update)
 * @param pipelineImagesPerSecond what the data pipeline alone delivers (batching, augmentation, normalisation)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EpochMetrics(int epoch, double trainLoss, double trainAccuracy, Double validationLoss,
        Double validationAccuracy, double learningRate, double imagesPerSecond, double pipelineImagesPerSecond,
        double seconds) {
}
