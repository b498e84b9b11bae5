package dev.kiln.k8s;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.k8s.schemas.ManifestSchemas;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every check of a kustomization, offline: render it, validate each object against the schema of its kind
 * ({@code k8s/schemas}), then the wiring, container, topic, Kafka and PostgreSQL access, TLS, credential and scaling
 * checks.
 * Problems name the overlay and the object: {@code overlays/production: ScaledObject/kiln-trainer: ...}.
 */
public final class ManifestChecks {

    private final Path root;
    private final ManifestSchemas schemas;
    private final Map<KilnService, ServiceConfig> services;
    private final String migrations;

    private ManifestChecks(Path root, ManifestSchemas schemas, Map<KilnService, ServiceConfig> services,
            String migrations) {
        this.root = root;
        this.schemas = schemas;
        this.services = services;
        this.migrations = migrations;
    }

    /**
     * Reads what each service configures from the repository at {@code root}, its classes from {@code classes},
     * and the migrations' grants.
     */
    public static ManifestChecks load(Path root, ClassLoader classes) throws IOException {
        Map<KilnService, ServiceConfig> services = new LinkedHashMap<>();
        for (KilnService service : KilnService.ALL) {
            services.put(service, ServiceConfig.of(root, service, classes));
        }
        return new ManifestChecks(root, ManifestSchemas.load(root.resolve("k8s/schemas")), services,
                PostgresAccessChecks.migrations(root));
    }

    /** The problems of the kustomization at {@code k8sRoot.resolve(overlay)}. */
    public List<String> check(Path k8sRoot, String overlay) throws IOException, InterruptedException {
        List<ObjectNode> objects = Kustomize.render(k8sRoot.resolve(overlay));
        Rendered manifest = new Rendered(overlay, objects);
        List<String> problems = new ArrayList<>();
        objects.forEach(object -> problems.addAll(schemas.validate(object)));
        problems.addAll(WiringChecks.problems(manifest));
        problems.addAll(ContainerChecks.problems(root, manifest, services));
        problems.addAll(TopicChecks.problems(manifest, services));
        problems.addAll(KafkaAccessChecks.problems(manifest, services));
        problems.addAll(PostgresAccessChecks.problems(migrations, manifest, services));
        problems.addAll(TlsChecks.problems(manifest));
        problems.addAll(CredentialChecks.problems(manifest));
        problems.addAll(ScalingChecks.problems(manifest, services.get(KilnService.TRAINER)));
        return problems.stream().map(p -> overlay + ": " + p).toList();
    }
}
