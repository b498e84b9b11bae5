package dev.kiln.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The objects one overlay renders to, with the lookups the checks share. */
public record Rendered(String overlay, List<ObjectNode> objects) {

    public List<ObjectNode> ofKind(String kind) {
        return objects.stream().filter(o -> kind.equals(o.path("kind").asText())).toList();
    }

    public Optional<ObjectNode> find(String kind, String name) {
        return ofKind(kind).stream().filter(o -> name.equals(name(o))).findFirst();
    }

    public static String name(JsonNode object) {
        return object.path("metadata").path("name").asText();
    }

    /** How problems name an object: {@code Deployment/kiln-gateway}. */
    public static String ref(JsonNode object) {
        return object.path("kind").asText() + "/" + name(object);
    }

    /** A label map (matchLabels, a pod template's labels, a Service's selector) as a sorted map. */
    public static Map<String, String> labels(JsonNode labels) {
        Map<String, String> map = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = labels.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> label = it.next();
            map.put(label.getKey(), label.getValue().asText());
        }
        return map;
    }

    /** True when every label the selector asks for is on the object (an empty selector selects nothing here). */
    public static boolean selects(Map<String, String> selector, Map<String, String> objectLabels) {
        return !selector.isEmpty() && objectLabels.entrySet().containsAll(selector.entrySet());
    }
}
