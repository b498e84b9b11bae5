package dev.kiln.contracts.runs;

import dev.kiln.contracts.architectures.ArchitectureSummary;
import dev.kiln.contracts.architectures.ModelSpec;
import dev.kiln.contracts.architectures.ShapeInference;
import dev.kiln.contracts.runs.Catalog.DatasetInfo;
import dev.kiln.contracts.runs.Catalog.ModelArg;
import dev.kiln.contracts.runs.Catalog.ModelInfo;
import dev.kiln.contracts.validation.FieldError;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Checks a {@link TrainingSpec} before any work starts and lists every problem, not just the first: names,
 * ranges, and the combinations that cannot work (a batch larger than the training split, hue jitter on grey
 * images, a model too deep for the image size, early stopping without validation data...).
 */
public final class TrainingSpecValidator {

    private final List<FieldError> errors = new ArrayList<>();
    private final String prefix;

    private TrainingSpecValidator(String prefix) {
        this.prefix = prefix;
    }

    /**
     * @param spec   the spec as received (optional fields may be null)
     * @param prefix the JSON path of the spec in the request, e.g. {@code "spec"}; empty when the spec is the
     *               whole document (fields are then named {@code learningRate}, not {@code .learningRate})
     * @return the problems, empty when the spec is valid
     */
    public static List<FieldError> validate(TrainingSpec spec, String prefix) {
        TrainingSpecValidator validator = new TrainingSpecValidator(prefix);
        if (spec == null) {
            validator.errors.add(new FieldError(prefix, "is required"));
        } else {
            validator.check(spec);
        }
        return List.copyOf(validator.errors);
    }

    private void check(TrainingSpec spec) {
        boolean knownDataset = checkDataset(spec);
        ModelSpec model = spec.model();
        boolean imported = model != null && model.isTorchScript();
        boolean knownModel = model != null && !model.isDeclarative() && !imported
                && oneOf("model", model.name(), Catalog.MODELS, true);
        if (imported) {
            checkImported(spec);
        }
        if (model == null && spec.init() == null) {
            errors.add(error("model", "is required: one of " + Catalog.MODELS + " or {\"layers\": [...]}"));
        } else if (model != null && model.isDeclarative() && spec.modelArgs() != null && !spec.modelArgs().isEmpty()) {
            errors.add(error("modelArgs", "a declarative model takes none: write the values into its layers"));
        }
        oneOf("optimizer", spec.optimizer(), Catalog.OPTIMIZERS, false);
        oneOf("normalization", spec.normalization(), Catalog.NORMALIZATIONS, false);
        range("epochs", spec.epochs(), 1, Catalog.MAX_EPOCHS);
        range("batchSize", spec.batchSize(), 1, Catalog.MAX_BATCH_SIZE);
        range("validationSplit", spec.validationSplit(), 0, Catalog.MAX_VALIDATION_SPLIT);
        positive("learningRate", spec.learningRate(), Catalog.MAX_LEARNING_RATE);
        if (spec.momentum() != null && !(spec.momentum() >= 0 && spec.momentum() < 1)) {
            errors.add(error("momentum", "must be at least 0 and below 1, got " + spec.momentum()));
        }
        range("weightDecay", spec.weightDecay(), 0, 1);
        range("imageSize", spec.imageSize(), Catalog.MIN_IMAGE_SIZE, Catalog.MAX_IMAGE_SIZE);
        if (spec.labelSmoothing() != null && !(spec.labelSmoothing() >= 0 && spec.labelSmoothing() < 1)) {
            errors.add(error("labelSmoothing", "must be at least 0 and below 1, got " + spec.labelSmoothing()));
        }
        range("mixupAlpha", spec.mixupAlpha(), 0, 10);
        positive("gradClipNorm", spec.gradClipNorm(), 1e6);
        if (Boolean.TRUE.equals(spec.nesterov())) {
            boolean sgd = "sgd".equals(spec.optimizer());
            if (!sgd || spec.momentum() != null && spec.momentum() == 0) {
                errors.add(error("nesterov", "needs optimizer 'sgd' with momentum above 0"));
            }
        }
        if (knownModel) {
            checkModelArgs(Catalog.model(model.name()), spec.modelArgs());
        }
        int epochs = spec.epochs() == null ? TrainingSpec.DEFAULT_EPOCHS : spec.epochs();
        checkSchedule(spec.schedule(), epochs);
        if (spec.init() != null) {
            checkInit(spec.init(), epochs);
        }
        if (spec.earlyStopping() != null) {
            Integer patience = spec.earlyStopping().patience();
            if (patience == null) {
                errors.add(error("earlyStopping.patience", "is required when earlyStopping is given"));
            } else {
                range("earlyStopping.patience", patience, 1, Catalog.MAX_EPOCHS);
            }
        }
        if (knownDataset) {
            checkAgainstData(spec, spec.datasetInfo(), knownModel);
        }
    }

    /** An imported model brings its own input normalisation and head: a spec cannot change either. */
    private void checkImported(TrainingSpec spec) {
        if (spec.normalization() != null) {
            errors.add(error("normalization", "an imported model is normalised as its manifest says: omit"
                    + " normalization"));
        }
        if (spec.init() != null && Boolean.TRUE.equals(spec.init().replaceHead())) {
            errors.add(error("init.replaceHead", "an imported model's head cannot be replaced (its layers are"
                    + " TorchScript's, not Kiln's): fine-tune it on data of the same classes"));
        }
    }

    private void checkInit(InitSpec init, int epochs) {
        int bases = (init.model() != null ? 1 : 0) + (init.run() != null ? 1 : 0) + (init.checkpoint() != null ? 1 : 0);
        if (bases != 1) {
            errors.add(error("init", "name exactly one base: model (a registered model version, e.g. digits@3), run"
                    + " (a run id) or checkpoint (a file, ./kiln train only)"));
        }
        if (init.model() != null && !InitSpec.MODEL_REFERENCE.matcher(init.model()).matches()) {
            errors.add(error("init.model", "must be a registered model's name, name@version or name@alias, got '"
                    + init.model() + "'"));
        }
        if (init.run() != null && !init.run().matches("[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")) {
            errors.add(error("init.run", "must be a run id (a UUID), got '" + init.run() + "'"));
        }
        List<String> freeze = init.freeze() == null ? List.of() : init.freeze();
        for (int i = 0; i < freeze.size(); i++) {
            if (freeze.get(i) == null || freeze.get(i).isBlank()) {
                errors.add(error("init.freeze[" + i + "]", "must be a layer name or pattern, e.g. \"0\" or \"conv*\""));
            }
        }
        if (init.unfreezeAtEpoch() != null) {
            if (freeze.isEmpty()) {
                errors.add(error("init.unfreezeAtEpoch", "needs layers to unfreeze: give init.freeze"));
            } else if (init.unfreezeAtEpoch() < 2 || init.unfreezeAtEpoch() > epochs) {
                errors.add(error("init.unfreezeAtEpoch", "must be an epoch in 2.." + epochs + ", got "
                        + init.unfreezeAtEpoch()));
            }
        }
        positive("init.headLearningRate", init.headLearningRate(), Catalog.MAX_LEARNING_RATE);
    }

    /** Every freeze pattern must select a layer of the model: a typo would otherwise train everything. */
    private void checkFreezePatterns(TrainingSpec spec) {
        List<String> freeze = spec.init().freeze();
        if (freeze == null || freeze.isEmpty()) {
            return;
        }
        ArchitectureSummary summary = spec.summary();
        for (int i = 0; i < freeze.size(); i++) {
            String pattern = freeze.get(i);
            if (pattern != null && !pattern.isBlank() && InitSpec.matching(pattern, summary).isEmpty()) {
                errors.add(error("init.freeze[" + i + "]", "'" + pattern + "' matches no layer of the model; its"
                        + " layers are " + summary.layers().stream()
                        // Kiln's nested layers are named under their block; an imported module's are all dotted.
                        .filter(r -> summary.layout() == null || !r.name().contains("."))
                        .map(ArchitectureSummary.Row::name).toList() + " (./kiln summary shows them)"));
            }
        }
    }

    private void colourOnly(String field, Double value, DatasetInfo data) {
        if (value != null && value > 0 && data.channels() != 3) {
            errors.add(error(field, "needs colour images; " + data.name() + " is grey"));
        }
    }

    private void checkModelArgs(ModelInfo model, Map<String, Double> args) {
        if (args == null) {
            return;
        }
        args.forEach((name, value) -> {
            ModelArg arg = model.args().get(name);
            String field = "modelArgs." + name;
            if (arg == null) {
                errors.add(error(field, "is not an argument of " + model.name() + (model.args().isEmpty()
                        ? ", which takes none" : "; it takes " + model.args().keySet())));
            } else if (value == null || value.isNaN() || value < arg.min() || value > arg.max()) {
                errors.add(error(field, "must be between " + number(arg.min()) + " and " + number(arg.max())
                        + ", got " + value));
            } else if (arg.integer() && value != Math.rint(value)) {
                errors.add(error(field, "must be a whole number, got " + value));
            }
        });
    }

    private void checkSchedule(ScheduleSpec schedule, int epochs) {
        if (schedule == null) {
            return;
        }
        String type = schedule.type() == null ? "none" : schedule.type();
        if (!oneOf("schedule.type", type, Catalog.SCHEDULES, false)) {
            return;
        }
        if (type.equals("step")) {
            if (schedule.stepSize() == null) {
                errors.add(error("schedule.stepSize", "is required for a 'step' schedule"));
            } else {
                range("schedule.stepSize", schedule.stepSize(), 1, Catalog.MAX_EPOCHS);
            }
        }
        if (type.equals("multistep")) {
            List<Integer> milestones = schedule.milestones();
            if (milestones == null || milestones.isEmpty()) {
                errors.add(error("schedule.milestones", "is required for a 'multistep' schedule: epochs after which"
                        + " the rate drops"));
            } else {
                for (int i = 0; i < milestones.size(); i++) {
                    Integer m = milestones.get(i);
                    if (m == null || m < 1 || m > epochs || i > 0 && milestones.get(i - 1) != null && m <= milestones.get(i - 1)) {
                        errors.add(error("schedule.milestones[" + i + "]", "must be an epoch in 1.." + epochs
                                + ", each larger than the one before, got " + m));
                    }
                }
            }
        }
        if (schedule.gamma() != null && !(schedule.gamma() > 0 && schedule.gamma() <= 1)) {
            errors.add(error("schedule.gamma", "must be above 0 and at most 1, got " + schedule.gamma()));
        }
        Integer warmup = schedule.warmupEpochs();
        if (warmup != null && warmup != 0 && (warmup < 0 || warmup >= epochs)) {
            errors.add(error("schedule.warmupEpochs", "must be between 0 and epochs - 1 (" + (epochs - 1) + "), got "
                    + schedule.warmupEpochs()));
        }
        range("schedule.patience", schedule.patience(), 0, Catalog.MAX_EPOCHS);
    }

    private void checkAgainstData(TrainingSpec spec, DatasetInfo data, boolean knownModel) {
        double split = spec.validationSplit() == null ? TrainingSpec.DEFAULT_VALIDATION_SPLIT : spec.validationSplit();
        int trainImages = (int) Math.round(data.trainSize() * (1 - split));
        if (spec.batchSize() != null && spec.batchSize() <= Catalog.MAX_BATCH_SIZE && spec.batchSize() > trainImages) {
            errors.add(error("batchSize", "is larger than the " + trainImages + " training images of " + data.name()
                    + " left after the validation split"));
        }
        if (split == 0) {
            if (spec.earlyStopping() != null) {
                errors.add(error("earlyStopping", "needs validation data: set validationSplit above 0"));
            }
            if (spec.schedule() != null && "plateau".equals(spec.schedule().type())) {
                errors.add(error("schedule.type", "'plateau' needs validation data: set validationSplit above 0"));
            }
        }
        int before = errors.size();
        if (spec.model() != null && spec.model().isDeclarative()) {
            ShapeInference.infer(spec.model().layers(), data.channels(), data.height(), data.width(), data.classes(),
                    prefix.isEmpty() ? "model" : prefix + ".model", errors);
        }
        if (knownModel) {
            ModelInfo model = Catalog.model(spec.model().name());
            if (Math.min(data.height(), data.width()) < model.minImageSize()) {
                errors.add(error("model", model.name() + " needs images of at least " + model.minImageSize() + "x"
                        + model.minImageSize() + "; " + data.name() + " has " + data.height() + "x" + data.width()));
            }
        }
        if (spec.model() != null && spec.model().isTorchScript()) {
            try {
                spec.summary();
            } catch (IllegalArgumentException e) {
                errors.add(error(spec.init() != null && spec.init().base() != null ? "init" : "model", e.getMessage()));
            }
        }
        boolean modelFits = errors.size() == before && (knownModel || spec.model() != null
                && (spec.model().isDeclarative() || spec.model().isTorchScript()));
        if (modelFits && spec.init() != null) {
            checkFreezePatterns(spec);
        }
        if ("cifar".equals(spec.normalization()) && data.channels() != 3) {
            errors.add(error("normalization", "'cifar' has per-channel statistics for colour images; " + data.name()
                    + " is grey: use 'mnist', 'half', 'dataset' or 'none'"));
        }
        AugmentationSpec aug = spec.augmentation();
        if (aug != null) {
            int maxPadding = Math.min(data.height(), data.width()) / 2;
            range("augmentation.cropPadding", aug.cropPadding(), 0, maxPadding);
            range("augmentation.rotationDegrees", aug.rotationDegrees(), 0, 180);
            range("augmentation.brightness", aug.brightness(), 0, 1);
            range("augmentation.hue", aug.hue(), 0, 0.5);
            range("augmentation.scale", aug.scale(), 0, 0.9);
            range("augmentation.contrast", aug.contrast(), 0, 1);
            range("augmentation.saturation", aug.saturation(), 0, 1);
            range("augmentation.grayscale", aug.grayscale(), 0, 1);
            colourOnly("augmentation.hue", aug.hue(), data);
            colourOnly("augmentation.saturation", aug.saturation(), data);
            colourOnly("augmentation.grayscale", aug.grayscale(), data);
        }
    }

    /** A catalog data set, or a registered one the gateway pinned (the pin naming the same version). */
    private boolean checkDataset(TrainingSpec spec) {
        if (spec.data() == null) {
            if (spec.dataset() != null && !spec.dataset().isBlank() && !Catalog.DATASETS.contains(spec.dataset())) {
                errors.add(error("dataset", "unknown data set '" + spec.dataset() + "'; one of " + Catalog.DATASETS
                        + " or a registered data set with a READY version (GET /api/v1/datasets)"));
                return false;
            }
            return oneOf("dataset", spec.dataset(), Catalog.DATASETS, true);
        }
        if (!spec.data().version().equals(spec.dataset())) {
            errors.add(error("data", "pins " + spec.data().version() + ", not the spec's dataset " + spec.dataset()));
            return false;
        }
        return true;
    }

    private boolean oneOf(String field, String value, List<String> allowed, boolean required) {
        if (value == null || value.isBlank()) {
            if (required) {
                errors.add(error(field, "is required; one of " + allowed));
            }
            return false;
        }
        if (!allowed.contains(value)) {
            errors.add(error(field, "unknown value '" + value + "'; one of " + allowed));
            return false;
        }
        return true;
    }

    private void range(String field, Number value, double min, double max) {
        if (value != null && (Double.isNaN(value.doubleValue()) || value.doubleValue() < min || value.doubleValue() > max)) {
            errors.add(error(field, "must be between " + number(min) + " and " + number(max) + ", got " + value));
        }
    }

    private void positive(String field, Double value, double max) {
        if (value != null && (value.isNaN() || value <= 0 || value > max)) {
            errors.add(error(field, "must be greater than 0 and at most " + number(max) + ", got " + value));
        }
    }

    private FieldError error(String field, String message) {
        return new FieldError(prefix.isEmpty() ? field : prefix + "." + field, message);
    }

    private static String number(double value) {
        return value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value);
    }
}
