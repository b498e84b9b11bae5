package dev.kiln.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;

/**
 * A Kiln service as the manifests deploy it: its Maven module and the images built from it (the GPU trainer's
 * {@code trainer-cuda} is the trainer). A container is the service's when its image's last path segment,
 * tag aside, is one of them, whatever registry an overlay puts in front.
 */
public record KilnService(String name, String module, List<String> images) {

    public static final KilnService GATEWAY = new KilnService("gateway", "gateway-service", List.of("gateway"));
    public static final KilnService TRAINER =
            new KilnService("trainer", "trainer-service", List.of("trainer", "trainer-cuda"));
    public static final KilnService INFERENCE = new KilnService("inference", "inference-service", List.of("inference"));
    public static final List<KilnService> ALL = List.of(GATEWAY, TRAINER, INFERENCE);

    public static Optional<KilnService> ofContainer(JsonNode container) {
        String image = container.path("image").asText();
        String repository = image.substring(image.lastIndexOf('/') + 1).split("[:@]", 2)[0];
        return ALL.stream().filter(s -> s.images.contains(repository)).findFirst();
    }
}
