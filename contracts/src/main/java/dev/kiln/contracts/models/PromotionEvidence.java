package dev.kiln.contracts.models;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The numbers a promotion by policy was decided on, kept with the promotion: the challenger's value of the model's
 * metric on its test split and the champion's, measured on the same split where it could be. JSON:
 * contracts/README.md (ModelPromotedV1's {@code evidence}).
 *
 * @param metric          the policy's metric, e.g. {@code test.accuracy}
 * @param challenger      the promoted version's value, on its run's test split
 * @param images          how many test images that split has
 * @param championVersion the champion it was compared with; absent when the model had none
 * @param champion        the champion's value, absent when the model had no champion
 * @param championOn      where the champion's value was measured; absent when the model had no champion
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PromotionEvidence(String metric, double challenger, int images, Integer championVersion,
        Double champion, MeasuredOn championOn) {

    /** Where a champion's number comes from. */
    public enum MeasuredOn {
        /** measured on the challenger's test split: the same images as the challenger's number */
        CHALLENGER_TEST_SPLIT,
        /** its own run's test evaluation: the champion could not be measured on the challenger's images */
        OWN_TEST_SPLIT
    }

    public static PromotionEvidence withoutChampion(String metric, double challenger, int images) {
        return new PromotionEvidence(metric, challenger, images, null, null, null);
    }
}
