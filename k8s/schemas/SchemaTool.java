import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.google.gson.annotations.SerializedName;
import io.kubernetes.client.custom.IntOrString;
import io.kubernetes.client.custom.Quantity;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Writes one self-contained draft-07 JSON Schema per apiVersion and kind, run by ./generate.
 *
 * <pre>
 * core OUT_DIR                       the core kinds, from the Kubernetes Java client's models
 * crd CRD_YAML VERSION OUT_DIR       a CRD's openAPIV3Schema for one of its versions
 * spec API_VERSION KIND SPEC OUT_DIR a kind whose spec schema SPEC was made from its TypeScript model
 * </pre>
 *
 * metadata is always the core ObjectMeta schema: the API server checks it the same way for every kind.
 */
public class SchemaTool {
    static final String MODELS = "io.kubernetes.client.openapi.models.";
    static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    static final List<String[]> CORE_KINDS = List.of(
            new String[] {"v1", "Namespace", "V1Namespace"},
            new String[] {"v1", "ServiceAccount", "V1ServiceAccount"},
            new String[] {"v1", "Service", "V1Service"},
            new String[] {"v1", "ConfigMap", "V1ConfigMap"},
            new String[] {"v1", "Secret", "V1Secret"},
            new String[] {"v1", "PersistentVolumeClaim", "V1PersistentVolumeClaim"},
            new String[] {"apps/v1", "Deployment", "V1Deployment"},
            new String[] {"policy/v1", "PodDisruptionBudget", "V1PodDisruptionBudget"},
            new String[] {"networking.k8s.io/v1", "NetworkPolicy", "V1NetworkPolicy"},
            new String[] {"autoscaling/v2", "HorizontalPodAutoscaler", "V2HorizontalPodAutoscaler"});

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "core" -> {
                for (String[] kind : CORE_KINDS) {
                    ObjectNode definitions = JSON.objectNode();
                    String root = define(Class.forName(MODELS + kind[2]), definitions);
                    ObjectNode body = (ObjectNode) definitions.remove(root);
                    write(Path.of(args[1]), kind[0], kind[1], body, definitions);
                }
            }
            case "crd" -> {
                JsonNode crd = new YAMLMapper().readTree(Path.of(args[1]).toFile());
                String group = crd.at("/spec/group").asText();
                String kind = crd.at("/spec/names/kind").asText();
                for (JsonNode version : crd.at("/spec/versions")) {
                    if (version.get("name").asText().equals(args[2])) {
                        ObjectNode body = version.at("/schema/openAPIV3Schema").deepCopy();
                        removeDescriptions(body);
                        write(Path.of(args[3]), group + "/" + args[2], kind, body, JSON.objectNode());
                        return;
                    }
                }
                throw new IllegalArgumentException(args[1] + " has no version " + args[2]);
            }
            case "spec" -> {
                JsonNode generated = MAPPER.readTree(Path.of(args[3]).toFile());
                ObjectNode definitions = ((ObjectNode) generated.get("definitions")).deepCopy();
                ObjectNode body = JSON.objectNode().put("type", "object");
                ObjectNode properties = body.putObject("properties");
                properties.putObject("spec").put("$ref", generated.get("$ref").asText());
                properties.putObject("status").put("type", "object");
                body.putArray("required").add("spec");
                write(Path.of(args[4]), args[1], args[2], body, definitions);
            }
            default -> throw new IllegalArgumentException("unknown command " + args[0]);
        }
    }

    /** Adds apiVersion, kind and metadata to the kind's schema and writes it with its definitions. */
    static void write(Path dir, String apiVersion, String kind, ObjectNode body, ObjectNode definitions)
            throws Exception {
        ObjectNode properties = body.withObject("/properties");
        properties.putObject("apiVersion").put("type", "string").putArray("enum").add(apiVersion);
        properties.putObject("kind").put("type", "string").putArray("enum").add(kind);
        properties.set("metadata", ref(define(Class.forName(MODELS + "V1ObjectMeta"), definitions)));
        Set<String> required = new TreeSet<>(List.of("apiVersion", "kind", "metadata"));
        body.withArray("/required").forEach(name -> required.add(name.asText()));
        ArrayNode requiredArray = body.putArray("required");
        required.forEach(requiredArray::add);

        int slash = apiVersion.indexOf('/');
        ObjectNode schema = JSON.objectNode().put("$schema", "http://json-schema.org/draft-07/schema#");
        schema.putArray("x-kubernetes-group-version-kind").addObject()
                .put("group", slash < 0 ? "" : apiVersion.substring(0, slash))
                .put("version", apiVersion.substring(slash + 1))
                .put("kind", kind);
        schema.setAll(body);
        if (!definitions.isEmpty()) {
            schema.set("definitions", definitions);
        }
        String group = slash < 0 ? "" : "-" + apiVersion.substring(0, slash);
        String name = kind.toLowerCase() + group + "-" + apiVersion.substring(slash + 1) + ".json";
        Files.createDirectories(dir);
        MAPPER.writeValue(dir.resolve(name).toFile(), schema);
    }

    /**
     * Defines a model class from its generated fields: openapiFields and openapiRequiredFields list the
     * OpenAPI properties, and each field's @SerializedName and Java type give its name and schema.
     */
    static String define(Class<?> model, ObjectNode definitions) throws Exception {
        String name = model.getSimpleName();
        if (definitions.has(name)) {
            return name;
        }
        ObjectNode definition = definitions.putObject(name).put("type", "object");
        @SuppressWarnings("unchecked")
        Set<String> fields = (Set<String>) model.getField("openapiFields").get(null);
        @SuppressWarnings("unchecked")
        Set<String> requiredFields = (Set<String>) model.getField("openapiRequiredFields").get(null);
        ObjectNode properties = definition.putObject("properties");
        for (Field field : model.getDeclaredFields()) {
            SerializedName serialized = field.getAnnotation(SerializedName.class);
            if (serialized != null && !Modifier.isStatic(field.getModifiers())) {
                properties.set(serialized.value(), schemaOf(field.getGenericType(), definitions));
            }
        }
        if (properties.size() != fields.size()) {
            throw new IllegalStateException(name + ": fields " + fields + " but found " + properties.size());
        }
        if (!requiredFields.isEmpty()) {
            ArrayNode required = definition.putArray("required");
            new TreeSet<>(requiredFields).forEach(required::add);
        }
        return name;
    }

    static ObjectNode schemaOf(Type type, ObjectNode definitions) throws Exception {
        if (type instanceof ParameterizedType parameterized) {
            Type[] arguments = parameterized.getActualTypeArguments();
            if (parameterized.getRawType() == List.class) {
                return JSON.objectNode().put("type", "array").set("items", schemaOf(arguments[0], definitions));
            }
            if (parameterized.getRawType() == Map.class) {
                return JSON.objectNode().put("type", "object")
                        .set("additionalProperties", schemaOf(arguments[1], definitions));
            }
        }
        if (type == String.class || type == OffsetDateTime.class || type == byte[].class) {
            return JSON.objectNode().put("type", "string");
        }
        if (type == Integer.class || type == Long.class) {
            return JSON.objectNode().put("type", "integer");
        }
        if (type == Double.class || type == Float.class) {
            return JSON.objectNode().put("type", "number");
        }
        if (type == Boolean.class) {
            return JSON.objectNode().put("type", "boolean");
        }
        if (type == IntOrString.class) {
            return JSON.objectNode().set("type", JSON.arrayNode().add("integer").add("string"));
        }
        if (type == Quantity.class) {
            // resource.Quantity is written as a string ("500m") or a plain number (1).
            return JSON.objectNode().set("type", JSON.arrayNode().add("number").add("string"));
        }
        if (type == Object.class) {
            return JSON.objectNode();
        }
        if (type instanceof Class<?> model && model.getName().startsWith(MODELS)) {
            return ref(define(model, definitions));
        }
        throw new IllegalArgumentException("no schema for Java type " + type);
    }

    /** Drops the documentation text, most of a CRD's size; a property named description is an object. */
    static void removeDescriptions(JsonNode node) {
        if (node instanceof ObjectNode object && object.path("description").isTextual()) {
            object.remove("description");
        }
        node.forEach(SchemaTool::removeDescriptions);
    }

    static ObjectNode ref(String definition) {
        return JSON.objectNode().put("$ref", "#/definitions/" + definition);
    }
}
