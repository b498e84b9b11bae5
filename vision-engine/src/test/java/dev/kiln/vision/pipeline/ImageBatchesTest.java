package dev.kiln.vision.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.kiln.vision.datasets.ImageSet;
import dev.kiln.vision.engine.DjlRuntime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class ImageBatchesTest {

    private static final int N = 7;
    private static final Normalization NORMALIZATION = new Normalization(new float[] {0.5f}, new float[] {0.25f});

    private NDManager manager;
    private ImageBatches batches;

    @BeforeAll
    static void startEngine() {
        DjlRuntime.start();
    }

    /** Image i (1x1x2) holds bytes 30i and 30i + 70 (up to 250, so unsigned bytes are exercised) and has label i. */
    private static byte[] pixelsOf(int i) {
        return new byte[] {(byte) (30 * i), (byte) (30 * i + 70)};
    }

    @BeforeEach
    void sevenImages() {
        manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        byte[] pixels = new byte[2 * N];
        int[] labels = new int[N];
        List<String> classes = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            System.arraycopy(pixelsOf(i), 0, pixels, 2 * i, 2);
            labels[i] = i;
            classes.add("c" + i);
        }
        batches = new ImageBatches(new ImageSet(classes, 1, 1, 2, pixels, labels), NORMALIZATION, manager, Device.cpu());
    }

    @AfterEach
    void close() {
        batches.close();
        manager.close();
    }

    /** What one epoch served: batch sizes, labels in order, and each image's two values. */
    private record Served(List<Integer> sizes, List<Long> labels, List<float[]> images) {
    }

    private Served epoch(int batchSize, Random shuffle) {
        Served served = new Served(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        for (ImageBatches.Batch batch : batches.epoch(batchSize, shuffle, null)) {
            try (batch) {
                assertThat(batch.images().getShape()).isEqualTo(new Shape(batch.size(), 1, 1, 2));
                assertThat(batch.labels().getDataType()).isEqualTo(DataType.INT64);
                served.sizes().add(batch.size());
                float[] values = batch.images().toFloatArray();
                long[] labels = batch.labels().toLongArray();
                for (int i = 0; i < labels.length; i++) {
                    served.labels().add(labels[i]);
                    served.images().add(new float[] {values[2 * i], values[2 * i + 1]});
                }
            }
        }
        return served;
    }

    /** (byte / 255 - mean) / std, computed independently of the pipeline. */
    private static float[] normalised(int image) {
        byte[] bytes = pixelsOf(image);
        float[] out = new float[bytes.length];
        for (int k = 0; k < bytes.length; k++) {
            out[k] = ((bytes[k] & 0xff) / 255f - 0.5f) / 0.25f;
        }
        return out;
    }

    private static void assertImagesMatchLabels(Served served) {
        for (int i = 0; i < served.labels().size(); i++) {
            int image = Math.toIntExact(served.labels().get(i));
            assertThat(served.images().get(i)).as("image %d", image).containsExactly(normalised(image), within(1e-6f));
        }
    }

    @Test
    void theLastBatchHoldsTheRemainder() {
        assertThat(epoch(3, null).sizes()).containsExactly(3, 3, 1);
        assertThat(epoch(7, null).sizes()).containsExactly(7);
        assertThat(epoch(10, null).sizes()).containsExactly(7);
    }

    @Test
    void evaluationOrderIsTheStoredOrderWithNormalisedValues() {
        Served served = epoch(3, null);

        assertThat(served.labels()).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L);
        assertImagesMatchLabels(served);
    }

    @Test
    void aShuffledEpochServesEveryImageOnceWithItsLabel() {
        Served served = epoch(3, new Random(11));

        assertThat(served.sizes()).containsExactly(3, 3, 1);
        assertThat(served.labels()).containsExactlyInAnyOrder(0L, 1L, 2L, 3L, 4L, 5L, 6L)
                .isNotEqualTo(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L));
        assertImagesMatchLabels(served);
    }

    @Test
    void theSameSeedShufflesTheSameWay() {
        List<Long> order = epoch(3, new Random(11)).labels();

        assertThat(epoch(3, new Random(11)).labels()).isEqualTo(order);
        assertThat(epoch(3, new Random(12)).labels()).isNotEqualTo(order);
    }

    @Test
    void hostNormalisationIsBitForBitTheDevicesProductThenDifference() {
        // Every byte value in each of three channels, with CIFAR's statistics.
        Normalization cifar = new Normalization(new float[] {0.4914f, 0.4822f, 0.4465f},
                new float[] {0.2023f, 0.1994f, 0.2010f});
        // Two images in one batch, so that the channels' cycle goes on from one image to the next.
        byte[] pixels = new byte[2 * 3 * 256];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 7 + i / 768);
        }
        ImageSet colour = new ImageSet(List.of("a"), 3, 16, 16, pixels, new int[] {0, 0});
        float[] expected;
        try (NDManager scope = manager.newSubManager()) {
            float[] scales = new float[3];
            float[] shifts = new float[3];
            for (int c = 0; c < 3; c++) {
                scales[c] = 1f / (255f * cifar.std()[c]);
                shifts[c] = cifar.mean()[c] / cifar.std()[c];
            }
            expected = scope.create(pixels, new Shape(2, 3, 16, 16)).toType(DataType.UINT8, false)
                    .toType(DataType.FLOAT32, false).mul(scope.create(scales).reshape(1, 3, 1, 1))
                    .sub(scope.create(shifts).reshape(1, 3, 1, 1)).toFloatArray();
        }

        try (ImageBatches colourBatches = new ImageBatches(colour, cifar, manager, Device.cpu());
                ImageBatches.Batch batch = colourBatches.epoch(2, null, null).iterator().next()) {
            assertThat(batch.images().toFloatArray()).containsExactly(expected);
        }
    }

    @Test
    void aBatchStillOpenKeepsItsImagesWhileTheNextIsMade() {
        var iterator = batches.epoch(2, null, null).iterator();
        try (ImageBatches.Batch first = iterator.next()) {
            float[] before = first.images().toFloatArray();
            try (ImageBatches.Batch second = iterator.next()) {
                assertThat(second.images().toFloatArray()).isNotEqualTo(before);
            }
            assertThat(first.images().toFloatArray()).containsExactly(before);
        }
    }

    /** {@code count} 1x2 images, image i holding bytes i and 255 - i (mod 256), its label i mod 7. */
    private ImageBatches manyImages(int count) {
        byte[] pixels = new byte[2 * count];
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            pixels[2 * i] = (byte) i;
            pixels[2 * i + 1] = (byte) (255 - i);
            labels[i] = i % N;
        }
        List<String> classes = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            classes.add("c" + i);
        }
        return new ImageBatches(new ImageSet(classes, 1, 1, 2, pixels, labels), NORMALIZATION, manager, Device.cpu());
    }

    /** The pipeline's own float formula, byte * scale - shift, for exact comparisons. */
    private static float[] normalisedBytes(int image) {
        float scale = 1f / (255f * 0.25f);
        float shift = 0.5f / 0.25f;
        return new float[] {(image & 0xff) * scale - shift, ((255 - image) & 0xff) * scale - shift};
    }

    @Test
    @Timeout(60)
    void manyMoreBatchesThanAreMadeAheadComeInOrderWithTheirValues() {
        // 300 batches of one: the pipeline thread fills its queue, sleeps and is woken many times.
        try (ImageBatches many = manyImages(300)) {
            int position = 0;
            for (ImageBatches.Batch batch : many.epoch(1, null, null)) {
                try (batch) {
                    assertThat(batch.sourceIndex(0)).isEqualTo(position);
                    assertThat(batch.labels().toLongArray()).containsExactly(position % N);
                    assertThat(batch.images().toFloatArray()).containsExactly(normalisedBytes(position));
                }
                position++;
            }
            assertThat(position).isEqualTo(300);
        }
    }

    @Test
    @Timeout(60)
    void batchesHeldOpenKeepTheirImagesWhileTheRestOfTheEpochIsMade() {
        try (ImageBatches many = manyImages(120)) {
            List<ImageBatches.Batch> held = new ArrayList<>();
            many.epoch(4, new Random(5), null).forEach(held::add);
            assertThat(held).hasSize(30);
            for (ImageBatches.Batch batch : held) {
                float[] values = batch.images().toFloatArray();
                for (int i = 0; i < batch.size(); i++) {
                    assertThat(new float[] {values[2 * i], values[2 * i + 1]})
                            .containsExactly(normalisedBytes(batch.sourceIndex(i)));
                }
                batch.close();
            }
        }
    }

    @Test
    @Timeout(60)
    void closingStopsTheThreadOfAnEpochLeftUnfinished() throws InterruptedException {
        ImageBatches many = manyImages(300);
        try (ImageBatches.Batch first = many.epoch(1, null, null).iterator().next()) {
            assertThat(first.sourceIndex(0)).isZero();
        }
        List<Thread> makers = pipelineThreads();
        assertThat(makers).isNotEmpty();

        many.close();

        // The maker sleeps with a full queue until closed; a thread that ended may still be leaving run() a moment.
        for (Thread maker : makers) {
            maker.join(10_000);
        }
        assertThat(makers).noneMatch(Thread::isAlive);
    }

    @Test
    void anEmptySetHasNoBatches() {
        try (ImageBatches empty = manyImages(0)) {
            assertThat(empty.epoch(64, new Random(1), null)).isEmpty();
        }
    }

    /** The pipeline threads alive now, this test's among them. */
    private static List<Thread> pipelineThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().equals("kiln-batches") && thread.isAlive()).toList();
    }

    @Test
    void aNormalisationForOtherChannelsIsRefused() {
        ImageSet colour = new ImageSet(List.of("a"), 3, 1, 1, new byte[3], new int[] {0});

        assertThatThrownBy(() -> new ImageBatches(colour, NORMALIZATION, manager, Device.cpu()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
