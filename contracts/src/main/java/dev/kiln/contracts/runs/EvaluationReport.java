package dev.kiln.contracts.runs;

import java.util.List;

/**
 * The result of evaluating a model on a whole set: mean loss, top-1 and top-k accuracy over the true
 * sample count, the confusion matrix (rows: true class, columns: predicted) and the per-class table derived
 * from it. Computed by the vision engine's Evaluator; stored with a run and served as its result.
 */
public record EvaluationReport(int images, double loss, double accuracy, int topK, double topKAccuracy,
        List<String> classes, long[][] confusion, List<ClassMetrics> perClass) {
}
