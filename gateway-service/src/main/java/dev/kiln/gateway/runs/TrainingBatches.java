package dev.kiln.gateway.runs;

import dev.kiln.contracts.validation.FieldError;
import dev.kiln.gateway.api.InvalidRequestException;
import dev.kiln.gateway.api.NotFoundProblem;
import dev.kiln.store.progress.BatchSampleRepository;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * A run's sampled training batch as the API serves it: the trainer records it with the run's first epoch (the
 * first images of the first batch, as stored and as augmented), so it is there while the run trains.
 */
@ApplicationScoped
public class TrainingBatches {

    /** The two files of a sampled image. */
    public enum Variant {
        /** the training image as stored */
        original,
        /** what the network received: the image augmented, de-normalised to pixels */
        augmented
    }

    private final BatchSampleRepository samples;

    public TrainingBatches(BatchSampleRepository samples) {
        this.samples = samples;
    }

    /** The run's sample: 404 while none is recorded. */
    public TrainingBatchView view(UUID runId) {
        List<BatchSampleRepository.Entry> entries = samples.list(runId);
        if (entries.isEmpty()) {
            throw nothingYet(runId);
        }
        return TrainingBatchView.of(runId, entries);
    }

    /**
     * One PNG file of the sample: 400 naming {@code position} or {@code variant} when malformed, 404 for a position
     * the sample does not have or an augmented file of a run that does not augment.
     */
    public byte[] png(UUID runId, String position, String variant) {
        List<FieldError> errors = new ArrayList<>();
        Integer at = parsePosition(position, errors);
        Variant wanted = parseVariant(variant, errors);
        if (!errors.isEmpty()) {
            throw new InvalidRequestException(errors);
        }
        BatchSampleRepository.Image image = samples.image(runId, at).orElseThrow(() -> {
            int size = samples.list(runId).size();
            return size == 0 ? nothingYet(runId) : new NotFoundProblem("run " + runId + "'s training batch has no image"
                    + " at position " + at + "; its positions are 0 to " + (size - 1));
        });
        return switch (wanted) {
            case original -> image.originalPng();
            case augmented -> image.augmentedPng().orElseThrow(() -> new NotFoundProblem("run " + runId
                    + "'s training batch has no augmented images: its spec does not augment (original.png only)"));
        };
    }

    private static NotFoundProblem nothingYet(UUID runId) {
        return new NotFoundProblem("run " + runId + " has no training batch recorded (yet): a trainer records it when"
                + " the run's first epoch ends");
    }

    private static Integer parsePosition(String position, List<FieldError> errors) {
        try {
            int at = Integer.parseInt(position);
            if (at >= 0) {
                return at;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        errors.add(new FieldError("position", "not a position in the batch (0, 1, ...): " + position));
        return null;
    }

    private static Variant parseVariant(String variant, List<FieldError> errors) {
        try {
            return Variant.valueOf(variant);
        } catch (IllegalArgumentException e) {
            errors.add(new FieldError("variant", "unknown image '" + variant + ".png'; one of "
                    + Arrays.toString(Variant.values()) + " (.png)"));
            return null;
        }
    }
}
