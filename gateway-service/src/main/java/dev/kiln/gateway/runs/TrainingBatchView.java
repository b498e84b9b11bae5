package dev.kiln.gateway.runs;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kiln.store.progress.BatchSampleRepository;
import java.util.List;
import java.util.UUID;

/**
 * A run's sampled training batch: its first images in the order the network saw them, with the URLs of their PNG
 * files as stored and, when the spec augments, as augmented.
 *
 * @param augmented whether every image has an augmented file
 */
public record TrainingBatchView(boolean augmented, List<Image> images) {

    /**
     * @param trainIndex the image's index in the data set's training images
     * @param augmented  absent when the run does not augment
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Image(int position, int trainIndex, String label, String original, String augmented) {
    }

    static TrainingBatchView of(UUID runId, List<BatchSampleRepository.Entry> entries) {
        return new TrainingBatchView(entries.stream().allMatch(BatchSampleRepository.Entry::augmented),
                entries.stream().map(entry -> new Image(entry.position(), entry.trainIndex(), entry.label(),
                        path(runId, entry.position(), TrainingBatches.Variant.original),
                        entry.augmented() ? path(runId, entry.position(), TrainingBatches.Variant.augmented) : null))
                        .toList());
    }

    static String path(UUID runId, int position, TrainingBatches.Variant variant) {
        return "/api/v1/runs/" + runId + "/training-batch/" + position + "/" + variant + ".png";
    }
}
