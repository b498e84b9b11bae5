package dev.kiln.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Credentials only from Secrets: no password, key, token or JAAS configuration is written into a container's
 * variables, a ConfigMap or a KEDA trigger's metadata, where anyone who may read the manifest (or describe the
 * pod) reads it too. Told apart by name: variables naming a file or a type are not credentials.
 */
final class CredentialChecks {

    private static final Pattern CREDENTIAL = Pattern.compile(
            "(?i)(.*[_.-])?(password|passwd|secret|token|credentials?|jaas[_.-]config|key)");

    private CredentialChecks() {
    }

    static boolean looksLikeCredential(String name) {
        return CREDENTIAL.matcher(name).matches();
    }

    static List<String> problems(Rendered manifest) {
        List<String> problems = new ArrayList<>();
        for (ObjectNode deployment : manifest.ofKind("Deployment")) {
            for (JsonNode container : deployment.path("spec").path("template").path("spec").path("containers")) {
                String where = Rendered.ref(deployment) + " container " + container.path("name").asText();
                for (JsonNode variable : container.path("env")) {
                    String name = variable.path("name").asText();
                    if (looksLikeCredential(name) && (variable.has("value")
                            || variable.path("valueFrom").has("configMapKeyRef"))) {
                        problems.add(where + ": " + name + " is written into the manifest"
                                + (variable.has("value") ? "" : " (a ConfigMap)")
                                + "; credentials come only from Secrets");
                    }
                }
            }
        }
        for (ObjectNode map : manifest.ofKind("ConfigMap")) {
            for (Iterator<String> keys = map.path("data").fieldNames(); keys.hasNext(); ) {
                String key = keys.next();
                if (looksLikeCredential(key)) {
                    problems.add(Rendered.ref(map) + ": " + key + " looks like a credential; credentials come only"
                            + " from Secrets");
                }
            }
        }
        for (ObjectNode scaled : manifest.ofKind("ScaledObject")) {
            for (JsonNode trigger : scaled.path("spec").path("triggers")) {
                for (Iterator<String> keys = trigger.path("metadata").fieldNames(); keys.hasNext(); ) {
                    String key = keys.next();
                    if (looksLikeCredential(key)) {
                        problems.add(Rendered.ref(scaled) + ": " + trigger.path("type").asText() + " trigger's "
                                + key + " is in its metadata; credentials come from a TriggerAuthentication's"
                                + " Secrets");
                    }
                }
            }
        }
        return problems;
    }
}
