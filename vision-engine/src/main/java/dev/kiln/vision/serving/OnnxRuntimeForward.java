package dev.kiln.vision.serving;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.kiln.vision.export.OnnxExport;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.Set;

/** An ONNX Runtime session for a Kiln-built graph: normalised images in, probabilities out. Thread-safe. */
final class OnnxRuntimeForward implements AutoCloseable {

    private final OrtEnvironment environment = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final long[] imageShape;

    /** @param threads cores one pass may split over, as libtorch's intra-op threads */
    OnnxRuntimeForward(byte[] graph, long[] imageShape, int threads) throws OrtException {
        this.imageShape = imageShape;
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(Math.max(1, threads));
            options.setInterOpNumThreads(1);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            this.session = environment.createSession(graph, options);
        }
    }

    float[] probabilities(float[] inputs, int count) {
        long[] shape = {count, imageShape[0], imageShape[1], imageShape[2]};
        try (OnnxTensor input = OnnxTensor.createTensor(environment, FloatBuffer.wrap(inputs), shape);
                OrtSession.Result result = session.run(Map.of(OnnxExport.INPUT, input), Set.of(OnnxExport.PROBABILITIES))) {
            FloatBuffer output = ((OnnxTensor) result.get(0)).getFloatBuffer();
            float[] probabilities = new float[output.remaining()];
            output.get(probabilities);
            return probabilities;
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime's forward pass failed: " + e.getMessage(), e);
        }
    }

    /** Frees the session's native memory. */
    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            // Closing only frees native memory; there is nothing to recover.
        }
    }
}
