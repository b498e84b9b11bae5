package dev.kiln.vision.cli;

import dev.kiln.vision.training.EpochControl;
import dev.kiln.vision.training.EpochListener;
import dev.kiln.contracts.runs.EpochMetrics;
import java.io.PrintStream;
import java.util.Locale;

/**
 * A progress bar on a terminal (redrawn in place, a few times a second) and one line per epoch; without a
 * terminal (CI logs) only the epoch lines, so logs stay readable.
 */
final class ProgressPrinter implements EpochListener {

    private static final int WIDTH = 30;
    private static final long REDRAW_NANOS = 200_000_000L;

    private final PrintStream out;
    private final boolean terminal;
    private long lastDraw;

    ProgressPrinter(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    @Override
    public void onBatch(BatchProgress p) {
        long now = System.nanoTime();
        if (!terminal || (now - lastDraw < REDRAW_NANOS && p.batch() < p.batches())) {
            return;
        }
        lastDraw = now;
        int filled = (int) ((long) WIDTH * p.batch() / p.batches());
        out.printf(Locale.ROOT, "\repoch %d/%d [%s%s] %d/%d batches  loss %.4f ", p.epoch(), p.epochs(),
                "=".repeat(filled), " ".repeat(WIDTH - filled), p.batch(), p.batches(), p.meanLoss());
        out.flush();
    }

    @Override
    public void onEpoch(EpochMetrics m, EpochControl control) {
        if (terminal) {
            out.print("\r\033[K");
        }
        out.println(Tables.epochLine(m) + (control.isBest() && m.validationLoss() != null ? "  *best" : ""));
        out.flush();
    }
}
