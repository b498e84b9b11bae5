package dev.kiln.inference.predict;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kiln.contracts.predictions.RankedClass;
import java.util.List;
import java.util.UUID;

/**
 * The answer of {@code POST /api/v1/models/{name}/predict}: the version that answered (and its run, absent for an
 * imported model) and, per image in the order sent, the top-k classes.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PredictResponse(String model, int version, UUID runId, List<ImagePrediction> predictions) {

    /**
     * @param image the multipart file name, or "body" for a raw image
     * @param label the most probable class
     * @param top   the k most probable classes, most probable first
     * @param predictionId the id of the image's entry in the prediction log, absent when the sample did not take
     *              it: what feedback names
     */
    public record ImagePrediction(String image, String label, List<RankedClass> top, UUID predictionId) {
    }
}
