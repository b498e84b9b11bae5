package dev.kiln.contracts.runs;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kiln.contracts.architectures.ArchitectureSummary;
import dev.kiln.contracts.architectures.ModelSpec;
import dev.kiln.contracts.architectures.ShapeInference;
import dev.kiln.contracts.datasets.DatasetPin;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What to train: the one form of a training job, used by the REST API, the Kafka request and the
 * command-line runner. Optional fields are {@code null} when not given; {@link #withDefaults()} fills them,
 * so a worker never guesses. contracts/README.md documents every field with its default and bounds.
 *
 * @param dataset         a data set name from {@link Catalog#DATASETS}, or a registered data set: {@code flowers}
 *                        (its latest READY version) or {@code flowers@3}; the gateway pins it ({@code data})
 * @param model           a model name from {@link Catalog#MODELS}, or declarative layers ({@link ModelSpec})
 * @param modelArgs       the model's architecture arguments (e.g. confignet's c1, c2, l1, d1)
 * @param epochs          passes over the training data, 1 to {@value Catalog#MAX_EPOCHS} (an upper bound with early stopping)
 * @param batchSize       images per optimizer step
 * @param validationSplit the fraction of the training data held out for validation, chosen by seed
 * @param optimizer       one of {@link Catalog#OPTIMIZERS}
 * @param learningRate    the initial learning rate
 * @param momentum        SGD momentum
 * @param nesterov        Nesterov momentum (SGD only)
 * @param weightDecay     L2 penalty (decoupled for adamw); never applied to biases or normalisation parameters
 * @param schedule        how the learning rate changes per epoch
 * @param earlyStopping   stop on a validation-loss plateau; null: run every epoch
 * @param augmentation    train-only augmentation
 * @param normalization   one of {@link Catalog#NORMALIZATIONS}
 * @param labelSmoothing  eps spread uniformly over all classes (eps/C each), as PyTorch's CrossEntropyLoss does
 * @param mixupAlpha      mixup with lambda ~ Beta(alpha, alpha); 0 is off
 * @param gradClipNorm    clip the global gradient L2 norm to this value; null is off
 * @param seed            seeds every random number generator of the run
 * @param imageSize       train (and serve) at this square size, images resized bilinearly; null: the data's own
 * @param data            set by the gateway for a registered data set: the version pinned, with its digest and shape
 * @param init            start from a trained model's weights (transfer learning); null: random initialisation
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TrainingSpec(
        String dataset,
        ModelSpec model,
        Map<String, Double> modelArgs,
        Integer epochs,
        Integer batchSize,
        Double validationSplit,
        String optimizer,
        Double learningRate,
        Double momentum,
        Boolean nesterov,
        Double weightDecay,
        ScheduleSpec schedule,
        EarlyStoppingSpec earlyStopping,
        AugmentationSpec augmentation,
        String normalization,
        Double labelSmoothing,
        Double mixupAlpha,
        Double gradClipNorm,
        Long seed,
        Integer imageSize,
        DatasetPin data,
        InitSpec init) {

    public static final int DEFAULT_EPOCHS = 1;
    public static final int DEFAULT_BATCH_SIZE = 64;
    public static final double DEFAULT_VALIDATION_SPLIT = 0.1;
    public static final String DEFAULT_OPTIMIZER = "adam";
    public static final double DEFAULT_LEARNING_RATE = 0.001;
    public static final double DEFAULT_SGD_MOMENTUM = 0.9;
    public static final long DEFAULT_SEED = 42L;

    /** A spec with the fields most specs set; everything else unset. */
    public static TrainingSpec of(String dataset, String model, Integer epochs, Integer batchSize, String optimizer,
            Double learningRate, Long seed) {
        return new TrainingSpec(dataset, model == null ? null : ModelSpec.named(model), null, epochs, batchSize, null, optimizer, learningRate, null, null, null, null, null,
                null, null, null, null, null, seed, null, null, null);
    }

    /** The same spec on another data set ({@code name} or {@code name@version}), not yet pinned. */
    public TrainingSpec onDataset(String dataset) {
        return new TrainingSpec(dataset, model, modelArgs, epochs, batchSize, validationSplit, optimizer,
                learningRate, momentum, nesterov, weightDecay, schedule, earlyStopping, augmentation, normalization,
                labelSmoothing, mixupAlpha, gradClipNorm, seed, imageSize, null, init);
    }

    /** The same spec training on this registered data set version ({@code dataset} becomes its name@version). */
    public TrainingSpec pinnedTo(DatasetPin pin) {
        return new TrainingSpec(pin.version(), model, modelArgs, epochs, batchSize, validationSplit, optimizer,
                learningRate, momentum, nesterov, weightDecay, schedule, earlyStopping, augmentation, normalization,
                labelSmoothing, mixupAlpha, gradClipNorm, seed, imageSize, pin, init);
    }

    /**
     * The same spec starting from a base model: its architecture ({@code model}, {@code modelArgs}) and the init
     * pinned to it.
     *
     * @throws IllegalArgumentException when this spec names another architecture than the base's
     */
    public TrainingSpec startingFrom(ModelSpec baseModel, Map<String, Double> baseArgs, InitSpec.BasePin pin) {
        if (model != null && !model.equals(baseModel)) {
            throw new IllegalArgumentException("the base model is " + baseModel.label() + (baseModel.isDeclarative()
                    ? " (declarative)" : "") + ", another architecture than this spec's model: omit model to take the"
                    + " base's");
        }
        if (modelArgs != null) {
            modelArgs.forEach((name, value) -> {
                Double base = baseArgs == null ? null : baseArgs.get(name);
                if (base == null) {
                    throw new IllegalArgumentException("modelArgs." + name + ": the base model (" + baseModel.label()
                            + ") has no value for it: omit modelArgs to take the base's");
                }
                if (!base.equals(value)) {
                    throw new IllegalArgumentException("modelArgs." + name + " is " + value + " but the base model's is "
                            + base + ": omit modelArgs to take the base's");
                }
            });
        }
        InitSpec pinnedInit = init.pinnedTo(pin);
        return new TrainingSpec(dataset, baseModel, baseArgs, epochs, batchSize, validationSplit, optimizer,
                learningRate, momentum, nesterov, weightDecay, schedule, earlyStopping, augmentation, normalization,
                labelSmoothing, mixupAlpha, gradClipNorm, seed, imageSize, data, pinnedInit);
    }

    /** The data set's name without a version: {@code fashion-mnist} for a spec pinned to {@code fashion-mnist@1}. */
    public String datasetName() {
        return data != null ? data.dataset() : dataset;
    }

    /**
     * The model's summary for this spec's images and classes: a registry model through its declarative form
     * ({@link BuiltInArchitectures}), a declarative one as written. Call it on a valid spec.
     *
     * @throws IllegalArgumentException when the model does not fit the data (a spec no validator has checked)
     */
    public ArchitectureSummary summary() {
        Catalog.DatasetInfo info = datasetInfo();
        if (model != null && model.isTorchScript()) {
            return importedSummary(info);
        }
        return ShapeInference.summarize(model, modelArgs, info.channels(), info.height(), info.width(), info.classes());
    }

    /** An imported model's layers, as pinned with its base, if this data fits it as it is (its head is kept). */
    private ArchitectureSummary importedSummary(Catalog.DatasetInfo info) {
        ArchitectureSummary imported = init == null || init.base() == null ? null : init.base().summary();
        if (imported == null) {
            throw new IllegalArgumentException("torchscript is an imported model: start from a registered version of"
                    + " one (init.model) and omit model");
        }
        List<Integer> input = List.of(info.channels(), info.height(), info.width());
        if (!imported.input().equals(input)) {
            throw new IllegalArgumentException("the imported model takes " + dims(imported.input()) + " images; "
                    + info.name() + " has " + dims(input) + (imported.input().get(0).equals(info.channels())
                            ? ": set imageSize to " + imported.input().get(1) : ""));
        }
        if (imported.output().get(0) != info.classes()) {
            throw new IllegalArgumentException("the imported model answers " + imported.output().get(0) + " classes"
                    + " and " + info.name() + " has " + info.classes() + ": an imported model keeps its head, so"
                    + " fine-tune it on data of the same classes");
        }
        return imported;
    }

    private static String dims(List<Integer> shape) {
        return shape.get(0) + "x" + shape.get(1) + "x" + shape.get(2);
    }

    /** The data set's shape (resized to {@code imageSize} when given) and defaults: the catalog's or the pin's. */
    public Catalog.DatasetInfo datasetInfo() {
        Catalog.DatasetInfo info = data != null ? data.info() : Catalog.dataset(dataset);
        return imageSize == null ? info : new Catalog.DatasetInfo(info.name(), info.channels(), imageSize, imageSize,
                info.classes(), info.trainSize(), info.testSize(), info.normalization());
    }

    /**
     * The same spec with every optional field set to its default. Call it on a valid spec only: the defaults
     * of model arguments and normalisation come from the catalog entries the spec names.
     */
    public TrainingSpec withDefaults() {
        String resolvedOptimizer = optimizer == null ? DEFAULT_OPTIMIZER : optimizer;
        boolean sgd = resolvedOptimizer.equals("sgd");
        Map<String, Double> args = new LinkedHashMap<>();
        if (!model.isDeclarative() && !model.isTorchScript()) {
            Catalog.model(model.name()).args().forEach((name, arg) -> args.put(name,
                    modelArgs != null && modelArgs.containsKey(name) ? modelArgs.get(name) : arg.defaultValue()));
        }
        return new TrainingSpec(
                dataset,
                model,
                args,
                epochs == null ? DEFAULT_EPOCHS : epochs,
                batchSize == null ? DEFAULT_BATCH_SIZE : batchSize,
                validationSplit == null ? DEFAULT_VALIDATION_SPLIT : validationSplit,
                resolvedOptimizer,
                learningRate == null ? DEFAULT_LEARNING_RATE : learningRate,
                momentum == null ? (sgd ? DEFAULT_SGD_MOMENTUM : 0.0) : momentum,
                nesterov != null && nesterov,
                weightDecay == null ? 0.0 : weightDecay,
                schedule == null ? ScheduleSpec.NONE : schedule.withDefaults(),
                earlyStopping,
                augmentation == null ? AugmentationSpec.NONE : augmentation.withDefaults(),
                // An imported model's manifest fixes its normalisation.
                normalization == null && !(model != null && model.isTorchScript()) ? datasetInfo().normalization()
                        : normalization,
                labelSmoothing == null ? 0.0 : labelSmoothing,
                mixupAlpha == null ? 0.0 : mixupAlpha,
                gradClipNorm,
                seed == null ? DEFAULT_SEED : seed,
                imageSize,
                data,
                init);
    }
}
