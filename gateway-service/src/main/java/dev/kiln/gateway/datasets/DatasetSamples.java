package dev.kiln.gateway.datasets;

import dev.kiln.contracts.validation.FieldError;
import dev.kiln.gateway.api.InvalidRequestException;
import dev.kiln.gateway.api.NotFoundProblem;
import dev.kiln.store.datasets.DatasetRepository.Version;
import dev.kiln.store.datasets.DatasetSampleRepository;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/**
 * A READY data set version's sample images as the API serves them: the trainer that validated the version recorded
 * them with READY (the first few images of each class of its train split, as PNG files), so a version has them from
 * the moment it can be trained on. Callers own the transaction and have checked that the caller sees the version.
 */
@ApplicationScoped
public class DatasetSamples {

    private final DatasetSampleRepository samples;

    public DatasetSamples(DatasetSampleRepository samples) {
        this.samples = samples;
    }

    /** The version's samples, class by class: 404 when it has none (not READY, or validated before samples). */
    public List<DatasetSampleView> view(Version version) {
        List<DatasetSampleRepository.Entry> entries = samples.list(version.dataset(), version.version());
        if (entries.isEmpty()) {
            throw none(version);
        }
        return entries.stream().map(entry -> DatasetSampleView.of(version.dataset(), version.version(), entry))
                .toList();
    }

    /** One sample's PNG file: 400 naming {@code position} when malformed, 404 for a position the version lacks. */
    public byte[] png(Version version, String position) {
        int at = parsePosition(position);
        return samples.image(version.dataset(), version.version(), at).map(DatasetSampleRepository.Image::png)
                .orElseThrow(() -> {
                    int size = samples.list(version.dataset(), version.version()).size();
                    return size == 0 ? none(version) : new NotFoundProblem(version.ref() + " has no sample image at"
                            + " position " + at + "; its positions are 0 to " + (size - 1));
                });
    }

    private static NotFoundProblem none(Version version) {
        return new NotFoundProblem(switch (version.status()) {
            case VALIDATING -> version.ref() + " has no sample images yet: it is being validated, and a trainer"
                    + " records them when the version becomes READY";
            case REJECTED -> version.ref() + " has no sample images: it was REJECTED (see its validation report)";
            case READY -> version.ref() + " has no sample images recorded: it was validated before Kiln recorded"
                    + " them";
        });
    }

    private static int parsePosition(String position) {
        try {
            int at = Integer.parseInt(position);
            if (at >= 0) {
                return at;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new InvalidRequestException(List.of(new FieldError("position", "not a position among the samples"
                + " (0, 1, ...): " + position)));
    }
}
