package dev.kiln.vision.training;

import dev.kiln.contracts.runs.ScheduleSpec;
import java.util.List;

/**
 * The learning rate of each epoch, as PyTorch's epoch-stepped schedulers give it (StepLR, MultiStepLR,
 * CosineAnnealingLR with T_max = epochs, ReduceLROnPlateau in max mode on validation accuracy), with an
 * optional linear warm-up in front: epoch e <= W uses {@code lr * e / (W + 1)}.
 * Plateau is the only stateful one; its {@link PlateauState} travels in the resume state.
 */
public final class LearningRateSchedule {

    /** ReduceLROnPlateau's memory: the factor reached, the best accuracy seen, epochs since it improved. */
    public record PlateauState(double factor, double best, int badEpochs) {
        public static final PlateauState START = new PlateauState(1.0, Double.NEGATIVE_INFINITY, 0);
    }

    private final ScheduleSpec spec;
    private final double baseRate;
    private final int epochs;
    private PlateauState plateau = PlateauState.START;

    /** @param spec a schedule with its defaults filled */
    public LearningRateSchedule(ScheduleSpec spec, double baseRate, int epochs) {
        this.spec = spec;
        this.baseRate = baseRate;
        this.epochs = epochs;
    }

    /** @param epoch counting from 1 */
    public double rateFor(int epoch) {
        int warmup = spec.warmupEpochs() == null ? 0 : spec.warmupEpochs();
        double warm = epoch <= warmup ? (double) epoch / (warmup + 1) : 1.0;
        return baseRate * warm * factorFor(epoch);
    }

    private double factorFor(int epoch) {
        return switch (spec.type()) {
            case "none" -> 1.0;
            case "step" -> Math.pow(spec.gamma(), (epoch - 1) / spec.stepSize());
            case "multistep" -> Math.pow(spec.gamma(), passed(spec.milestones(), epoch));
            case "cosine" -> 0.5 * (1 + Math.cos(Math.PI * (epoch - 1) / epochs));
            case "plateau" -> plateau.factor();
            default -> throw new IllegalArgumentException("unknown schedule '" + spec.type() + "'");
        };
    }

    private static int passed(List<Integer> milestones, int epoch) {
        return (int) milestones.stream().filter(m -> epoch > m).count();
    }

    /** Feeds an epoch's validation accuracy to a plateau schedule; other schedules ignore it. */
    public void observe(double validationAccuracy) {
        if (!spec.type().equals("plateau")) {
            return;
        }
        if (validationAccuracy > plateau.best()) {
            plateau = new PlateauState(plateau.factor(), validationAccuracy, 0);
        } else if (plateau.badEpochs() + 1 > spec.patience()) {
            plateau = new PlateauState(plateau.factor() * spec.gamma(), plateau.best(), 0);
        } else {
            plateau = new PlateauState(plateau.factor(), plateau.best(), plateau.badEpochs() + 1);
        }
    }

    public PlateauState plateauState() {
        return plateau;
    }

    public void restore(PlateauState state) {
        this.plateau = state;
    }
}
