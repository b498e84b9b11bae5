package dev.kiln.contracts.runs;

import java.util.List;

/** The names a {@link TrainingSpec} may use, and its bounds: what the API accepts, in one place. */
public final class Catalog {

    public static final List<String> DATASETS = List.of("fashion-mnist", "mnist-sample", "cifar10");
    public static final List<String> MODELS = List.of(
            "mlp", "fc2layer", "mnist-cnn", "lenet", "cifar-cnn", "confignet", "vgg11", "vgg16", "resnet18");
    public static final List<String> OPTIMIZERS = List.of("sgd", "adam", "adamw");

    public static final int MAX_EPOCHS = 1000;
    public static final int MAX_BATCH_SIZE = 65536;
    public static final double MAX_LEARNING_RATE = 10.0;

    private Catalog() {
    }
}
