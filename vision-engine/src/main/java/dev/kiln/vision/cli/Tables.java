package dev.kiln.vision.cli;

import dev.kiln.contracts.architectures.ArchitectureSummary;
import dev.kiln.contracts.runs.Catalog;
import dev.kiln.contracts.runs.ClassMetrics;
import dev.kiln.contracts.runs.EvaluationReport;
import dev.kiln.contracts.runs.EpochMetrics;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.vision.training.TrainingResult;
import java.util.List;
import java.util.Locale;

/** The text a person reads after training: epoch lines, the test summary, per-class table, confusion matrix. */
final class Tables {

    private Tables() {
    }

    static String epochLine(EpochMetrics m) {
        String validation = m.validationLoss() == null ? ""
                : String.format(Locale.ROOT, "  val loss %.4f  val acc %6.2f%%", m.validationLoss(), 100 * m.validationAccuracy());
        return String.format(Locale.ROOT, "epoch %3d  train loss %.4f  train acc %6.2f%%%s  lr %.2e  %,.0f img/s (pipeline %,.0f)  %.1fs",
                m.epoch(), m.trainLoss(), 100 * m.trainAccuracy(), validation, m.learningRate(), m.imagesPerSecond(),
                m.pipelineImagesPerSecond(), m.seconds());
    }

    /** The model layer by layer: output shape, parameters and multiply-adds, the totals and a step's memory. */
    static String model(TrainingSpec spec) {
        ArchitectureSummary summary = spec.summary();
        Catalog.DatasetInfo data = spec.datasetInfo();
        int nameWidth = Math.max(5, summary.layers().stream().mapToInt(row -> row.name().length()).max().orElse(5));
        String row = "  %-" + nameWidth + "s  %-15s  %-12s  %,13d  %,15d%n";
        StringBuilder text = new StringBuilder(String.format(Locale.ROOT, "Model %s for %s images (%s), %d classes%n",
                spec.model().label(), shape(summary.input()), data.name(), data.classes()));
        text.append(String.format(Locale.ROOT, "  %-" + nameWidth + "s  %-15s  %-12s  %13s  %15s%n", "layer", "type",
                "output", "parameters", "multiply-adds"));
        summary.layers().forEach(layer -> text.append(String.format(Locale.ROOT, row, layer.name(), layer.type(),
                shape(layer.output()), layer.parameters(), layer.multiplyAdds())));
        text.append(String.format(Locale.ROOT, row, "total", "", shape(summary.output()), summary.parameters(),
                summary.multiplyAdds()));
        int batch = spec.batchSize() == null ? TrainingSpec.DEFAULT_BATCH_SIZE : spec.batchSize();
        if (summary.layout() == null) {
            // TorchScript does not record the shapes between an imported module's layers.
            text.append(String.format(Locale.ROOT, "  an imported TorchScript module: its layers' outputs are not"
                    + " known, only its parameters' %.1f MiB with their gradients and two optimizer moments%n",
                    16.0 * summary.parameters() / 1048576.0));
            return text.toString();
        }
        text.append(String.format(Locale.ROOT, "  one training step at batch %d needs about %.1f MiB (float32: layer"
                + " outputs and their gradients, parameters, gradients, two optimizer moments)%n", batch,
                summary.trainingBytes(batch) / 1048576.0));
        return text.toString();
    }

    private static String shape(List<Integer> dims) {
        return String.join("x", dims.stream().map(String::valueOf).toList());
    }

    static String summary(TrainingResult result) {
        StringBuilder text = new StringBuilder();
        text.append(String.format(Locale.ROOT, "%nRun %s on %s in %.1fs%s%n", result.outcome(), result.device(),
                result.seconds(), result.reason() == null ? "" : ": " + result.reason()));
        EvaluationReport test = result.test();
        if (test == null) {
            return text.toString();
        }
        text.append(String.format(Locale.ROOT, "Weights of epoch %d; test set (%,d images): loss %.4f  top-1 %.2f%%  top-%d %.2f%%%n%n",
                result.bestEpoch(), test.images(), test.loss(), 100 * test.accuracy(), test.topK(), 100 * test.topKAccuracy()));
        int nameWidth = Math.max(5, test.classes().stream().mapToInt(String::length).max().orElse(5));
        text.append(String.format(Locale.ROOT, "%-" + nameWidth + "s  %7s  %9s  %6s%n", "class", "support", "precision", "recall"));
        for (ClassMetrics c : test.perClass()) {
            text.append(String.format(Locale.ROOT, "%-" + nameWidth + "s  %7d  %8.2f%%  %5.2f%%%n", c.name(), c.support(),
                    100 * c.precision(), 100 * c.recall()));
        }
        text.append("\nConfusion matrix (rows: true class, columns: predicted, by index)\n");
        text.append(confusion(test.classes(), test.confusion()));
        return text.toString();
    }

    static String confusion(List<String> classes, long[][] counts) {
        StringBuilder text = new StringBuilder(String.format("%4s", ""));
        for (int c = 0; c < classes.size(); c++) {
            text.append(String.format("%6d", c));
        }
        text.append('\n');
        for (int t = 0; t < classes.size(); t++) {
            text.append(String.format("%4d", t));
            for (int p = 0; p < classes.size(); p++) {
                text.append(String.format("%6d", counts[t][p]));
            }
            text.append("  ").append(classes.get(t)).append('\n');
        }
        return text.toString();
    }
}
