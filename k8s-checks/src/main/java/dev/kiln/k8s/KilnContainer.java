package dev.kiln.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A container that runs one of Kiln's services, with the Deployment it is in. */
record KilnContainer(ObjectNode deployment, JsonNode container, KilnService service) {

    /** Every container of the manifest's Deployments that runs a Kiln service, in the manifest's order. */
    static List<KilnContainer> of(Rendered manifest) {
        List<KilnContainer> found = new ArrayList<>();
        for (ObjectNode deployment : manifest.ofKind("Deployment")) {
            for (JsonNode container : deployment.path("spec").path("template").path("spec").path("containers")) {
                KilnService.ofContainer(container).ifPresent(s -> found.add(new KilnContainer(deployment, container, s)));
            }
        }
        return found;
    }

    /** How problems name it: {@code Deployment/kiln-gateway container gateway}. */
    String where() {
        return Rendered.ref(deployment) + " container " + container.path("name").asText();
    }

    /** The pod spec the container is in. */
    JsonNode pod() {
        return deployment.path("spec").path("template").path("spec");
    }

    /** The value a variable of the container is set to in the manifest, if it is set to one. */
    Optional<String> valueOf(String variable) {
        for (JsonNode env : container.path("env")) {
            if (env.path("name").asText().equals(variable) && env.has("value")) {
                return Optional.of(env.path("value").asText());
            }
        }
        return Optional.empty();
    }

    /** The Secret a variable of the container reads (secretKeyRef), if it reads one. */
    Optional<String> secretOf(String variable) {
        for (JsonNode env : container.path("env")) {
            if (env.path("name").asText().equals(variable)) {
                return Optional.ofNullable(env.path("valueFrom").path("secretKeyRef").path("name").asText(null));
            }
        }
        return Optional.empty();
    }
}
