package dev.kiln.contracts.runs;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * What to train: the one form of a training job, used by the REST API, the Kafka request and the
 * command-line runner. Optional fields are {@code null} when not given; {@link #withDefaults()} fills them.
 *
 * @param dataset      a data set name from {@link Catalog#DATASETS}
 * @param model        a model name from {@link Catalog#MODELS}
 * @param epochs       passes over the training data, 1 to {@value Catalog#MAX_EPOCHS}
 * @param batchSize    images per optimizer step, 1 to {@value Catalog#MAX_BATCH_SIZE}
 * @param optimizer    one of {@link Catalog#OPTIMIZERS}
 * @param learningRate greater than 0 and at most {@value Catalog#MAX_LEARNING_RATE}
 * @param seed         seeds every random number generator of the run
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TrainingSpec(
        String dataset,
        String model,
        Integer epochs,
        Integer batchSize,
        String optimizer,
        Double learningRate,
        Long seed) {

    public static final int DEFAULT_EPOCHS = 1;
    public static final int DEFAULT_BATCH_SIZE = 64;
    public static final String DEFAULT_OPTIMIZER = "adam";
    public static final double DEFAULT_LEARNING_RATE = 0.001;
    public static final long DEFAULT_SEED = 42L;

    /** The same spec with every optional field that was not given set to its default. */
    public TrainingSpec withDefaults() {
        return new TrainingSpec(
                dataset,
                model,
                epochs == null ? DEFAULT_EPOCHS : epochs,
                batchSize == null ? DEFAULT_BATCH_SIZE : batchSize,
                optimizer == null ? DEFAULT_OPTIMIZER : optimizer,
                learningRate == null ? DEFAULT_LEARNING_RATE : learningRate,
                seed == null ? DEFAULT_SEED : seed);
    }
}
