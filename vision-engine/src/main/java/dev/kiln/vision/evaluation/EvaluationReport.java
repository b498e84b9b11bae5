package dev.kiln.vision.evaluation;

import java.util.ArrayList;
import java.util.List;

/**
 * The result of evaluating a model on a whole set: mean loss, top-1 and top-k accuracy over the true
 * sample count, the confusion matrix and the per-class table derived from it.
 */
public record EvaluationReport(int images, double loss, double accuracy, int topK, double topKAccuracy,
        List<String> classes, long[][] confusion, List<ClassMetrics> perClass) {

    static EvaluationReport of(ConfusionMatrix matrix, double lossSum, int topK, long topKCorrect) {
        List<ClassMetrics> perClass = new ArrayList<>();
        for (int c = 0; c < matrix.classes().size(); c++) {
            perClass.add(new ClassMetrics(matrix.classes().get(c), matrix.support(c), matrix.precision(c), matrix.recall(c)));
        }
        long n = matrix.total();
        return new EvaluationReport((int) n, n == 0 ? 0 : lossSum / n, matrix.accuracy(), topK,
                n == 0 ? 0 : (double) topKCorrect / n, matrix.classes(), matrix.counts(), perClass);
    }
}
