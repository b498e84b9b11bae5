package dev.kiln.inference.inspection;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kiln.contracts.predictions.RankedClass;
import dev.kiln.vision.inspection.ConvFilters;
import dev.kiln.vision.inspection.FeatureMaps;
import java.util.List;
import java.util.UUID;

/** The answers of the inspection API; each names the version that answered (and its run) as predict does. */
public final class InspectionResponses {

    private InspectionResponses() {
    }

    /**
     * The first convolution's filters.
     *
     * @param layer   its name in the model's summary ({@code 0})
     * @param kernel  height, width
     * @param filters per output channel: {@code weights} ({@code inChannels x kernel[0] x kernel[1]}, input channel
     *                after input channel, each row-major), their {@code min} and {@code max}, and the {@code bias}
     *                (null when the layer has none)
     */
    public record Filters(String model, int version, UUID runId, String layer, int outChannels, int inChannels,
            List<Integer> kernel, List<ConvFilters.Filter> filters) {
    }

    /**
     * Every convolution's output for the image, in the order the image meets them.
     *
     * @param input       the image as the network took it: channels, height, width
     * @param maxChannels the most channels given per layer (the first ones)
     * @param layers      per convolution: {@code index}, {@code name}, {@code after} (the blocks the maps are the
     *                    output of: {@code ["conv2d", "relu"]}, {@code ["conv2d", "batchnorm", "relu"]} or just
     *                    {@code ["conv2d"]}), all its {@code channels}, {@code height}, {@code width}, and
     *                    {@code maps}: per channel given, its {@code values} ({@code height x width}, row-major)
     *                    with their {@code min} and {@code max}
     */
    public record FeatureMapsAnswer(String model, int version, UUID runId, List<Integer> input, int maxChannels,
            List<FeatureMaps.Layer> layers) {
    }

    /**
     * Where the image's class score comes from, at the network's input size: vanilla gradient saliency (the
     * absolute gradient of the explained class's logit with respect to each input pixel, the largest over the
     * channels, divided by the largest over the image) or Grad-CAM (at the output of the last convolutional block,
     * resized bilinearly, divided by its largest).
     *
     * @param method        {@code vanilla-gradient} or {@code grad-cam}
     * @param layer         for Grad-CAM, the last convolution of the block whose output it weighs; absent otherwise
     * @param label         the predicted class
     * @param explained     the class the map explains: the predicted one, or the one asked for
     * @param values        {@code height x width} floats in [0, 1], row-major
     * @param probabilities every class's probability, in the model's class order
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Saliency(String model, int version, UUID runId, String method, String layer, String label,
            RankedClass explained, int height, int width, float[] values, List<RankedClass> probabilities) {
    }
}
