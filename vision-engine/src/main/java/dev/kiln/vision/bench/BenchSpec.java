package dev.kiln.vision.bench;

/**
 * What a round of the training benchmarks trains ({@link TrainBench}, {@link RevisionBench}): one epoch of a model on
 * Fashion-MNIST, SGD with momentum, no validation split, then an evaluation on the first {@link #TEST_IMAGES} test
 * images (not counted in the round's images/s). Free of DJL, as {@link RevisionBench} needs: it hands the spec's JSON
 * to each side's own classes.
 */
final class BenchSpec {

    /** The test images each round's training evaluates after its epoch. */
    static final int TEST_IMAGES = 1000;

    private BenchSpec() {
    }

    /** The spec as JSON; {@code imageSize} 0 keeps the images' own size. */
    static String json(String model, int batch, int imageSize) {
        return """
                {"dataset": "fashion-mnist", "model": "%s", "epochs": 1, "batchSize": %d, "validationSplit": 0,
                 "optimizer": "sgd", "learningRate": 0.01, "momentum": 0.9, "seed": 42, "imageSize": %s}
                """.formatted(model, batch, imageSize > 0 ? String.valueOf(imageSize) : "null");
    }
}
