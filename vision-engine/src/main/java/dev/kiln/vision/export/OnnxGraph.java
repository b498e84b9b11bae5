package dev.kiln.vision.export;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An ONNX graph as it is built: nodes in order, initialisers (the weights), inputs and outputs; {@link #model}
 * writes the ModelProto. Field numbers are onnx.proto's (ONNX IR 7, the IR of opset 13).
 */
final class OnnxGraph {

    static final int OPSET = 13;
    private static final int IR_VERSION = 7;
    private static final int FLOAT = 1;
    private static final int ATTRIBUTE_FLOAT = 1;
    private static final int ATTRIBUTE_INT = 2;
    private static final int ATTRIBUTE_INTS = 7;

    private final List<ProtoWriter> nodes = new ArrayList<>();
    private final List<ProtoWriter> initializers = new ArrayList<>();
    private final List<ProtoWriter> inputs = new ArrayList<>();
    private final List<ProtoWriter> outputs = new ArrayList<>();
    private int names;

    /** A fresh tensor name with this prefix. */
    String name(String prefix) {
        return prefix + "_" + names++;
    }

    /** A float initialiser (a weight or a constant); returns its name. */
    String constant(String name, float[] values, long... dims) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(values);
        initializers.add(new ProtoWriter().packedVarints(1, dims).varint(2, FLOAT).string(8, name)
                .bytes(9, raw.array()));
        return name;
    }

    /** A node; returns its (single) output's name. */
    String node(String opType, List<String> in, Map<String, Object> attributes) {
        String output = name(opType.toLowerCase());
        ProtoWriter node = new ProtoWriter();
        in.forEach(i -> node.string(1, i));
        node.string(2, output).string(3, output).string(4, opType);
        attributes.forEach((key, value) -> node.message(5, attribute(key, value)));
        nodes.add(node);
        return output;
    }

    String node(String opType, String... in) {
        return node(opType, List.of(in), Map.of());
    }

    /** A float tensor input with a symbolic batch dimension and fixed others. */
    void input(String name, long... dims) {
        inputs.add(valueInfo(name, dims));
    }

    /** Names a tensor a graph output (through an Identity, so any node's result can be one). */
    void output(String tensor, String name, long... dims) {
        ProtoWriter node = new ProtoWriter().string(1, tensor).string(2, name).string(3, name).string(4, "Identity");
        nodes.add(node);
        outputs.add(valueInfo(name, dims));
    }

    byte[] model(String graphName, String producerVersion, Map<String, String> metadata) {
        ProtoWriter graph = new ProtoWriter();
        nodes.forEach(n -> graph.message(1, n));
        graph.string(2, graphName);
        initializers.forEach(t -> graph.message(5, t));
        inputs.forEach(i -> graph.message(11, i));
        outputs.forEach(o -> graph.message(12, o));
        ProtoWriter model = new ProtoWriter().varint(1, IR_VERSION).string(2, "kiln").string(3, producerVersion)
                .message(7, graph).message(8, new ProtoWriter().string(1, "").varint(2, OPSET));
        new LinkedHashMap<>(metadata).forEach((key, value) -> model.message(14,
                new ProtoWriter().string(1, key).string(2, value)));
        return model.toByteArray();
    }

    private static ProtoWriter valueInfo(String name, long... dims) {
        ProtoWriter shape = new ProtoWriter().message(1, new ProtoWriter().string(2, "batch"));
        for (int i = 1; i < dims.length; i++) {
            shape.message(1, new ProtoWriter().varint(1, dims[i]));
        }
        ProtoWriter tensorType = new ProtoWriter().varint(1, FLOAT).message(2, shape);
        return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
    }

    private static ProtoWriter attribute(String name, Object value) {
        ProtoWriter attribute = new ProtoWriter().string(1, name);
        if (value instanceof Float f) {
            return attribute.float32(2, f).varint(20, ATTRIBUTE_FLOAT);
        }
        if (value instanceof Integer i) {
            return attribute.varint(3, i).varint(20, ATTRIBUTE_INT);
        }
        if (value instanceof long[] ints) {
            return attribute.packedVarints(8, ints).varint(20, ATTRIBUTE_INTS);
        }
        throw new IllegalArgumentException("attribute " + name + ": unsupported value " + value);
    }
}
