package dev.kiln.vision.samples;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.vision.RepoFiles;
import dev.kiln.vision.datasets.ImageSet;
import dev.kiln.vision.engine.DjlRuntime;
import dev.kiln.vision.pipeline.DataSplit;
import dev.kiln.vision.pipeline.ImageBatches;
import dev.kiln.vision.pipeline.Normalization;
import dev.kiln.vision.pipeline.TrainTestData;
import dev.kiln.vision.training.ClassifierTraining;
import dev.kiln.vision.training.TrainingResult;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The first training batch of real runs on the MNIST sample, sampled as the network saw it. */
class FirstBatchSamplerTest {

    private static TrainTestData mnistSample;

    @BeforeAll
    static void loadData() throws IOException {
        mnistSample = RepoFiles.mnistSample();
    }

    @Test
    void aRunWithRotationAndCropKeepsSixteenOriginalsAndWhatTheNetworkGot() {
        BatchSample sample = firstBatchOf("""
                {"dataset": "mnist-sample", "model": "mlp", "epochs": 1, "batchSize": 64, "optimizer": "adam",
                 "learningRate": 0.002, "augmentation": {"rotationDegrees": 10, "cropPadding": 2}, "seed": 42}
                """);

        assertThat(sample.augmented()).isTrue();
        assertThat(sample.images()).hasSize(BatchSample.IMAGES);
        assertOriginalsAreTheTrainingImages(sample);
        assertThat(sample.images()).allSatisfy(image -> {
            assertThat(image.augmentedPng()).isPresent();
            byte[] augmented = pixels(image.augmentedPng().orElseThrow(), 28, 28);
            assertThat(augmented).as("position %d, augmented", image.position())
                    .isNotEqualTo(pixels(image.originalPng(), 28, 28));
        });
    }

    @Test
    void aRunWithoutAugmentationKeepsOnlyOriginalsAndASmallBatchWhole() {
        BatchSample sample = firstBatchOf("""
                {"dataset": "mnist-sample", "model": "mlp", "epochs": 1, "batchSize": 8, "optimizer": "adam",
                 "learningRate": 0.002, "seed": 3}
                """);

        assertThat(sample.augmented()).isFalse();
        assertThat(sample.images()).hasSize(8).allSatisfy(image -> assertThat(image.augmentedPng()).isEmpty());
        assertOriginalsAreTheTrainingImages(sample);
    }

    /** Undoing the normalisation of an unaugmented batch gives back its images exactly, in the shuffled order. */
    @Test
    void theTensorDeNormalisedIsTheImagesAtTheBatchsPositions() {
        DjlRuntime.start();
        DjlRuntime.prepareThread();
        DataSplit split = DataSplit.of(mnistSample.train(), 0.1, 5);
        Normalization normalization = Normalization.of("mnist", split.kept());
        List<BatchSample> taken = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), DjlRuntime.ENGINE);
                ImageBatches batches = new ImageBatches(split.kept(), normalization, manager, Device.cpu())) {
            FirstBatchSampler sampler = new FirstBatchSampler(split.kept(), split.keptIndices(), normalization,
                    taken::add);
            for (ImageBatches.Batch batch : batches.epoch(32, new Random(9), null)) {
                try (batch) {
                    if (taken.isEmpty()) {
                        sampler.take(batch, true);
                    }
                }
            }
        }

        BatchSample sample = taken.get(0);
        assertThat(sample.images()).hasSize(16);
        assertThat(sample.images().stream().mapToInt(SampledImage::trainIndex).toArray())
                .as("shuffled, not the stored order").isNotEqualTo(IntStream.range(0, 16).toArray());
        assertOriginalsAreTheTrainingImages(sample);
        assertThat(sample.images()).allSatisfy(image -> assertThat(pixels(image.augmentedPng().orElseThrow(), 28, 28))
                .isEqualTo(pixels(image.originalPng(), 28, 28)));
    }

    private static BatchSample firstBatchOf(String specJson) {
        AtomicReference<BatchSample> sample = new AtomicReference<>();
        // Cancelled at the second batch: the sample is the first batch's.
        TrainingResult result = new ClassifierTraining(Json.read(specJson, TrainingSpec.class), mnistSample,
                Device.cpu())
                .sampleFirstBatch(taken -> assertThat(sample.getAndSet(taken)).as("sampled once").isNull())
                .cancelWhen(() -> sample.get() != null)
                .run();
        assertThat(result.outcome()).isEqualTo(TrainingResult.Outcome.CANCELLED);
        assertThat(sample.get()).isNotNull();
        return sample.get();
    }

    private static void assertOriginalsAreTheTrainingImages(BatchSample sample) {
        ImageSet train = mnistSample.train();
        int bytes = train.imageBytes();
        for (int position = 0; position < sample.images().size(); position++) {
            SampledImage image = sample.images().get(position);
            int index = image.trainIndex();
            assertThat(image.position()).isEqualTo(position);
            assertThat(image.label()).isEqualTo(train.classes().get(train.labels()[index]));
            assertThat(pixels(image.originalPng(), train.height(), train.width())).as("position %d", position)
                    .isEqualTo(Arrays.copyOfRange(train.pixels(), index * bytes, (index + 1) * bytes));
        }
        assertThat(sample.images().stream().mapToInt(SampledImage::trainIndex).distinct().count())
                .isEqualTo(sample.images().size());
    }

    /** A grey PNG's pixels, checking its size. */
    private static byte[] pixels(byte[] png, int height, int width) {
        try {
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
            assertThat(image.getType()).isEqualTo(BufferedImage.TYPE_BYTE_GRAY);
            assertThat(image.getHeight()).isEqualTo(height);
            assertThat(image.getWidth()).isEqualTo(width);
            return (byte[]) image.getRaster().getDataElements(0, 0, width, height, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
