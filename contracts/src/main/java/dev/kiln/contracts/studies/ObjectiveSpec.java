package dev.kiln.contracts.studies;

/**
 * What makes a trial better.
 *
 * @param metric    {@code validation.loss}, {@code validation.accuracy} (the trial's best epoch; what pruners
 *                  compare epoch by epoch), {@code test.loss} or {@code test.accuracy} (once a trial finished)
 * @param direction {@code minimize} or {@code maximize}
 * @param goal      optional: the study ends as soon as a trial reaches it
 */
public record ObjectiveSpec(String metric, String direction, Double goal) {
}
