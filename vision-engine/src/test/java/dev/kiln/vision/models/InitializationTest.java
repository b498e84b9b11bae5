package dev.kiln.vision.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.withinPercentage;

import ai.djl.engine.Engine;
import dev.kiln.vision.NDArrayTest;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The standard deviations differ enough from DJL's default (Kaiming normal on fan_in) that the default
 * would fail: sqrt(2/144) against sqrt(2/576) for the convolution, sqrt(2/64) against sqrt(2/264) for the
 * linear layer. With thousands of draws the sample std is within about 1% of the true one.
 */
class InitializationTest extends NDArrayTest {

    @BeforeEach
    void seed() {
        Engine.getInstance().setRandomSeed(5);
    }

    /** 16 channels in: conv 64 x 3x3 (bias), BatchNorm, global average pool, linear 64 -> 200, nested in a sequence. */
    private SequentialBlock initialisedNet() {
        SequentialBlock net = new SequentialBlock()
                .add(new SequentialBlock().add(Layers.conv(64, 3, 1)).add(BatchNorm.builder().build()).add(Layers.relu()))
                .add(Pool.globalAvgPool2dBlock())
                .add(Blocks.batchFlattenBlock())
                .add(Layers.linear(200));
        Initialization.apply(net);
        net.initialize(manager, DataType.FLOAT32, new Shape(1, 16, 8, 8));
        return net;
    }

    private static List<Parameter> ofType(Block block, Parameter.Type type) {
        List<Parameter> found = new ArrayList<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            if (p.getValue().getType() == type) {
                found.add(p.getValue());
            }
        }
        return found;
    }

    private static double std(float[] values) {
        double sum = 0;
        double squares = 0;
        for (float v : values) {
            sum += v;
            squares += (double) v * v;
        }
        double mean = sum / values.length;
        return Math.sqrt(squares / values.length - mean * mean);
    }

    @Test
    void convolutionWeightsAreKaimingNormalOnFanOut() {
        Parameter conv = ofType(initialisedNet(), Parameter.Type.WEIGHT).get(0);

        assertThat(conv.getArray().getShape()).isEqualTo(new Shape(64, 16, 3, 3));
        // fan_out = filters * kh * kw = 576
        assertThat(std(conv.getArray().toFloatArray())).isCloseTo(Math.sqrt(2.0 / 576), withinPercentage(10));
    }

    @Test
    void linearWeightsAreXavierNormal() {
        Parameter linear = ofType(initialisedNet(), Parameter.Type.WEIGHT).get(1);

        assertThat(linear.getArray().getShape()).isEqualTo(new Shape(200, 64));
        assertThat(std(linear.getArray().toFloatArray())).isCloseTo(Math.sqrt(2.0 / (64 + 200)), withinPercentage(10));
    }

    @Test
    void biasesAndBatchNormStartAtZeroAndOne() {
        SequentialBlock net = initialisedNet();

        assertThat(ofType(net, Parameter.Type.BIAS)).hasSize(2)
                .allSatisfy(p -> assertThat(p.getArray().toFloatArray()).containsOnly(0f));
        assertThat(ofType(net, Parameter.Type.GAMMA)).singleElement()
                .satisfies(p -> assertThat(p.getArray().toFloatArray()).containsOnly(1f));
        assertThat(ofType(net, Parameter.Type.BETA)).singleElement()
                .satisfies(p -> assertThat(p.getArray().toFloatArray()).containsOnly(0f));
    }

    @Test
    void everyConvolutionOfARegistryModelIsReached() {
        Block lenet = ModelRegistry.build("lenet", Map.<String, Double>of(), 10);
        Initialization.apply(lenet);
        lenet.initialize(manager, DataType.FLOAT32, new Shape(1, 1, 28, 28));

        List<Parameter> weights = ofType(lenet, Parameter.Type.WEIGHT);
        // The second convolution: 16 filters of 5x5 over 6 channels, fan_out = 400 (DJL's default would use fan_in = 150).
        Parameter conv2 = weights.get(1);
        assertThat(conv2.getArray().getShape()).isEqualTo(new Shape(16, 6, 5, 5));
        assertThat(std(conv2.getArray().toFloatArray())).isCloseTo(Math.sqrt(2.0 / 400), withinPercentage(10));
    }
}
