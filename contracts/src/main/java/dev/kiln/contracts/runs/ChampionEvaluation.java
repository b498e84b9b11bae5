package dev.kiln.contracts.runs;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The champion of the model a run competes for, measured by the run's worker on the run's own test split before
 * the run completes, so that the promotion policy compares two numbers measured on the same images. Stored with
 * the run (Flyway V23) and shown with it; exactly one of {@code test} and {@code notComparable} is present.
 *
 * @param model         the registered model the run competes for
 * @param version       the champion version measured: the model's champion when the run finished
 * @param test          its evaluation on the run's test split
 * @param notComparable why it could not be measured there (other classes, another input shape, an unreadable
 *                      checkpoint); the policy then falls back to the champion's own test number
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChampionEvaluation(String model, int version, EvaluationReport test, String notComparable) {

    public ChampionEvaluation {
        if ((test == null) == (notComparable == null)) {
            throw new IllegalArgumentException("a champion evaluation has a report or a reason, not both or neither");
        }
    }

    public static ChampionEvaluation measured(String model, int version, EvaluationReport test) {
        return new ChampionEvaluation(model, version, test, null);
    }

    public static ChampionEvaluation notComparable(String model, int version, String reason) {
        return new ChampionEvaluation(model, version, null, reason);
    }
}
