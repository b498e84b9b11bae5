package dev.kiln.k8s.schemas;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.dialect.Dialect;
import com.networknt.schema.dialect.Dialects;
import com.networknt.schema.keyword.NonValidationKeyword;
import com.networknt.schema.path.PathType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Validates Kubernetes objects offline against the JSON Schema of their apiVersion and kind, as written
 * by k8s/schemas/generate: one draft-07 schema per file, naming its kind in x-kubernetes-group-version-kind.
 */
public final class ManifestSchemas {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Draft 7 knowing the Kubernetes extensions in the schemas: preserve-unknown-fields is applied by
     * {@link #rejectUnknownFields}; int-or-string fields also carry an anyOf of both types; CEL rules
     * (x-kubernetes-validations) need the API server and are not checked.
     */
    private static final Dialect KUBERNETES_DRAFT_7 = Dialect.builder(Dialects.getDraft7())
            .keywords(Stream.of("x-kubernetes-group-version-kind", "x-kubernetes-preserve-unknown-fields",
                            "x-kubernetes-int-or-string", "x-kubernetes-validations", "example")
                    .map(NonValidationKeyword::new).toList())
            .build();

    private final Map<String, Schema> schemas;

    private ManifestSchemas(Map<String, Schema> schemas) {
        this.schemas = schemas;
    }

    /** Loads every *.json schema in schemaDir. */
    public static ManifestSchemas load(Path schemaDir) throws IOException {
        SchemaRegistryConfig config = SchemaRegistryConfig.builder().pathType(PathType.JSON_PATH).build();
        SchemaRegistry registry = SchemaRegistry.withDefaultDialect(KUBERNETES_DRAFT_7,
                builder -> builder.schemaRegistryConfig(config));
        Map<String, Schema> schemas = new TreeMap<>();
        try (Stream<Path> files = Files.list(schemaDir)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                JsonNode schema = JSON.readTree(file.toFile());
                JsonNode gvk = schema.path("x-kubernetes-group-version-kind").path(0);
                String group = gvk.path("group").asText();
                String version = gvk.path("version").asText();
                String key = key(group.isEmpty() ? version : group + "/" + version, gvk.path("kind").asText());
                rejectUnknownFields(schema);
                Schema compiled = registry.getSchema(SchemaLocation.of(file.toUri().toString()), schema);
                if (schemas.put(key, compiled) != null) {
                    throw new IllegalArgumentException("two schemas for " + key + " in " + schemaDir);
                }
            }
        }
        return new ManifestSchemas(schemas);
    }

    /** The apiVersion and kind of every loaded schema, as "apiVersion kind". */
    public List<String> kinds() {
        return List.copyOf(schemas.keySet());
    }

    /**
     * Problems of one object, each as {@code <Kind>/<metadata.name>: <json path>: <message>}; empty when
     * the object is valid. An object whose apiVersion and kind have no schema is a problem.
     */
    public List<String> validate(JsonNode object) {
        String apiVersion = object.path("apiVersion").asText();
        String kind = object.path("kind").asText();
        String prefix = kind + "/" + object.path("metadata").path("name").asText("<no name>") + ": ";
        Schema schema = schemas.get(key(apiVersion, kind));
        if (schema == null) {
            return List.of(prefix + "$: no schema for apiVersion " + apiVersion + " kind " + kind);
        }
        List<String> problems = new ArrayList<>();
        for (Error error : schema.validate(withoutNulls(object))) {
            problems.add(prefix + error.getInstanceLocation() + ": " + error.getMessage());
        }
        return problems;
    }

    private static String key(String apiVersion, String kind) {
        return apiVersion + " " + kind;
    }

    /**
     * Like kubectl's strict field validation, an object schema that lists its properties rejects any
     * other field, unless it keeps unknown fields (x-kubernetes-preserve-unknown-fields) or says what
     * other fields may hold (additionalProperties).
     */
    private static void rejectUnknownFields(JsonNode schema) {
        if (!(schema instanceof ObjectNode node)) {
            if (schema instanceof ArrayNode items) {
                items.forEach(ManifestSchemas::rejectUnknownFields);
            }
            return;
        }
        if (node.has("properties") && !node.has("additionalProperties")
                && !node.path("x-kubernetes-preserve-unknown-fields").asBoolean()) {
            node.put("additionalProperties", false);
        }
        for (String keyword : List.of("properties", "patternProperties", "definitions")) {
            node.path(keyword).forEach(ManifestSchemas::rejectUnknownFields);
        }
        for (String keyword : List.of("additionalProperties", "items", "allOf", "anyOf", "oneOf", "not")) {
            rejectUnknownFields(node.path(keyword));
        }
    }

    /** The API server takes a null field as unset (kubectl writes creationTimestamp: null, for one). */
    private static JsonNode withoutNulls(JsonNode node) {
        JsonNode copy = node.deepCopy();
        removeNulls(copy);
        return copy;
    }

    private static void removeNulls(JsonNode node) {
        if (node instanceof ObjectNode object) {
            object.properties().removeIf(field -> field.getValue().isNull());
        }
        node.forEach(ManifestSchemas::removeNulls);
    }
}
