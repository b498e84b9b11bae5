package dev.kiln.contracts.models;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * What the inference replicas saw of a rollout's new version in one step, summed over the replicas. JSON:
 * contracts/README.md (RolloutEventV1's {@code observed}).
 *
 * @param requests the requests the new version answered (canary) or saw a copy of (shadow)
 * @param errors   how many of those it failed
 * @param p99Ms    its 99th-percentile latency in milliseconds, the largest of the replicas'; null before any request
 * @param compared the images both versions classified
 * @param agreed   how many of those both gave the same top class
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RolloutObservation(long requests, long errors, Double p99Ms, long compared, long agreed) {

    public static final RolloutObservation NONE = new RolloutObservation(0, 0, null, 0, 0);

    /** The share of requests that failed; 0 before any. */
    public double errorRate() {
        return requests == 0 ? 0 : (double) errors / requests;
    }

    /** The share of compared images with the same top class; null before any. */
    public Double agreement() {
        return compared == 0 ? null : (double) agreed / compared;
    }
}
