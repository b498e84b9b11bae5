package dev.kiln.contracts.models;

import dev.kiln.contracts.runs.Catalog;
import dev.kiln.contracts.validation.FieldError;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What Kiln must know of a model it did not train ({@code manifest.json} beside a TorchScript file): the input it
 * takes and the classes its outputs mean. Images are resized to height x width, scaled to 0..1, then normalised as
 * {@code (x - mean) / std} per channel, exactly as for Kiln's own models.
 *
 * @param channels 1 (grey) or 3 (RGB)
 * @param mean     one per channel
 * @param std      one per channel, each above 0
 * @param classes  the names of the model's outputs, in order (as many as the model answers per image)
 */
public record ImportManifest(Integer channels, Integer height, Integer width, List<Float> mean, List<Float> std,
        List<String> classes) {

    /** Every problem with the manifest, each naming its field under {@code prefix}; empty when it is usable. */
    public List<FieldError> problems(String prefix) {
        List<FieldError> errors = new ArrayList<>();
        if (channels == null || channels != 1 && channels != 3) {
            errors.add(new FieldError(prefix + "channels", "must be 1 (grey) or 3 (RGB), got " + channels));
        }
        for (String side : List.of("height", "width")) {
            Integer value = side.equals("height") ? height : width;
            if (value == null || value < Catalog.MIN_IMAGE_SIZE || value > Catalog.MAX_IMAGE_SIZE) {
                errors.add(new FieldError(prefix + side, "must be " + Catalog.MIN_IMAGE_SIZE + " to "
                        + Catalog.MAX_IMAGE_SIZE + ", got " + value));
            }
        }
        perChannel(prefix + "mean", mean, errors, false);
        perChannel(prefix + "std", std, errors, true);
        if (classes == null || classes.size() < 2) {
            errors.add(new FieldError(prefix + "classes", "must name at least 2 classes, the model's outputs in order"));
        } else {
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < classes.size(); i++) {
                String name = classes.get(i);
                if (name == null || name.isBlank() || !seen.add(name)) {
                    errors.add(new FieldError(prefix + "classes[" + i + "]", name == null || name.isBlank()
                            ? "must be a name" : "'" + name + "' is named twice"));
                }
            }
        }
        return errors;
    }

    private void perChannel(String field, List<Float> values, List<FieldError> errors, boolean positive) {
        if (values == null || channels != null && values.size() != channels) {
            errors.add(new FieldError(field, "must have one value per channel (" + channels + ")"));
            return;
        }
        for (int i = 0; i < values.size(); i++) {
            Float value = values.get(i);
            if (value == null || !Float.isFinite(value) || positive && value <= 0) {
                errors.add(new FieldError(field + "[" + i + "]", positive ? "must be above 0" : "must be a number"));
            }
        }
    }
}
