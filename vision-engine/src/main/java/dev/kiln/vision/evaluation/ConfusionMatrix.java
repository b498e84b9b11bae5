package dev.kiln.vision.evaluation;

import dev.kiln.contracts.runs.ClassMetrics;
import dev.kiln.contracts.runs.EvaluationReport;
import java.util.ArrayList;
import java.util.List;

/**
 * Counts of (true class, predicted class) over a whole evaluation set, and what users read off it:
 * accuracy over the true sample count, per-class recall (row-normalised) and precision (column-normalised).
 */
public final class ConfusionMatrix {

    private final List<String> classes;
    private final long[][] counts;
    private long total;

    public ConfusionMatrix(List<String> classes) {
        this.classes = List.copyOf(classes);
        this.counts = new long[classes.size()][classes.size()];
    }

    public void add(int truth, int predicted) {
        counts[truth][predicted]++;
        total++;
    }

    public void addAll(long[] truths, long[] predictions) {
        for (int i = 0; i < truths.length; i++) {
            add((int) truths[i], (int) predictions[i]);
        }
    }

    public List<String> classes() {
        return classes;
    }

    public long count(int truth, int predicted) {
        return counts[truth][predicted];
    }

    public long total() {
        return total;
    }

    /** The counts, rows = true class, columns = predicted class (a copy). */
    public long[][] counts() {
        long[][] copy = new long[counts.length][];
        for (int i = 0; i < counts.length; i++) {
            copy[i] = counts[i].clone();
        }
        return copy;
    }

    public double accuracy() {
        long correct = 0;
        for (int c = 0; c < counts.length; c++) {
            correct += counts[c][c];
        }
        return total == 0 ? 0 : (double) correct / total;
    }

    /** Of the images of this class, the share predicted as it; 0 when the set has none of the class. */
    public double recall(int c) {
        long row = 0;
        for (long n : counts[c]) {
            row += n;
        }
        return row == 0 ? 0 : (double) counts[c][c] / row;
    }

    /** Of the images predicted as this class, the share that are; 0 when none was predicted as it. */
    public double precision(int c) {
        long column = 0;
        for (long[] row : counts) {
            column += row[c];
        }
        return column == 0 ? 0 : (double) counts[c][c] / column;
    }

    public long support(int c) {
        long row = 0;
        for (long n : counts[c]) {
            row += n;
        }
        return row;
    }

    /** The report of an evaluation these counts come from. */
    EvaluationReport report(double lossSum, int topK, long topKCorrect) {
        List<ClassMetrics> perClass = new ArrayList<>();
        for (int c = 0; c < classes.size(); c++) {
            perClass.add(new ClassMetrics(classes.get(c), support(c), precision(c), recall(c)));
        }
        return new EvaluationReport((int) total, total == 0 ? 0 : lossSum / total, accuracy(), topK,
                total == 0 ? 0 : (double) topKCorrect / total, classes, counts(), perClass);
    }
}
