package dev.kiln.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Each Kiln container against its service: every variable it sets is one the service reads, every reference
 * resolves, probes hit the service's health endpoints on its HTTP port, and it runs locked down (non-root,
 * read-only root filesystem, no privilege escalation, no capabilities) with requests and a memory limit.
 */
final class ContainerChecks {

    /** Variables read by the runtime under the service rather than by its configuration. */
    private static final Map<String, String> RUNTIME_VARIABLES = Map.of(
            "MALLOC_ARENA_MAX", "glibc's malloc",
            "OMP_NUM_THREADS", "PyTorch's OpenMP threads");
    /** Services that run PyTorch, so read OMP_NUM_THREADS. */
    private static final Set<String> PYTORCH_SERVICES = Set.of("trainer", "inference");

    /** Where the platform's parts are: each service's default is the local stack's, so a pod must be told. */
    private static final List<String> PLATFORM_ADDRESSES = List.of("KAFKA_BOOTSTRAP_SERVERS",
            "QUARKUS_DATASOURCE_JDBC_URL", "KILN_ARTIFACTS_ENDPOINT");

    /** Images of servers an overlay runs beside Kiln's services, by repository (tag aside), and what they are. */
    private static final Map<String, String> PLATFORM_IMAGES = Map.of(
            "andrewgaul/s3proxy", "the local overlay's S3 server (artifact store)");

    private ContainerChecks() {
    }

    private static String platformImage(JsonNode container) {
        String repository = container.path("image").asText().split("[:@]", 2)[0];
        return PLATFORM_IMAGES.keySet().stream().filter(repository::endsWith).findFirst().orElse(null);
    }

    static List<String> problems(Path root, Rendered manifest, Map<KilnService, ServiceConfig> services)
            throws IOException {
        List<String> problems = new ArrayList<>();
        for (ObjectNode deployment : manifest.ofKind("Deployment")) {
            JsonNode pod = deployment.path("spec").path("template").path("spec");
            checkSecretVolumes(manifest, pod, Rendered.ref(deployment), problems);
            for (JsonNode container : pod.path("containers")) {
                Optional<KilnService> service = KilnService.ofContainer(container);
                String platformImage = platformImage(container);
                if (service.isEmpty() && platformImage != null) {
                    // Not Kiln's code, so no configuration to hold it to: its secrets must exist, and it is
                    // locked down like Kiln's own.
                    String where = Rendered.ref(deployment) + " container " + container.path("name").asText();
                    environment(manifest, container, where, problems);
                    checkLockedDown(pod, container, where, problems);
                    continue;
                }
                if (service.isEmpty()) {
                    problems.add(Rendered.ref(deployment) + ": container " + container.path("name").asText()
                            + " runs " + container.path("image").asText() + ", not one of Kiln's images "
                            + KilnService.ALL.stream().flatMap(s -> s.images().stream()).toList()
                            + " nor a platform image " + PLATFORM_IMAGES.keySet());
                    continue;
                }
                String where = Rendered.ref(deployment) + " container " + container.path("name").asText();
                ServiceConfig config = services.get(service.get());
                Map<String, String> env = environment(manifest, container, where, problems);
                checkVariables(service.get(), config, env, where, problems);
                checkProbes(root, service.get(), config, container, env, where, problems);
                checkLockedDown(pod, container, where, problems);
            }
        }
        return problems;
    }

    /** A Secret mounted as files must exist (or be made by an operator or the administrator), with its keys. */
    private static void checkSecretVolumes(Rendered manifest, JsonNode pod, String where, List<String> problems) {
        for (JsonNode volume : pod.path("volumes")) {
            JsonNode secret = volume.path("secret");
            if (secret.isMissingNode()) {
                continue;
            }
            String name = secret.path("secretName").asText();
            Optional<Set<String>> keys = PlatformRefs.secretKeys(manifest, name);
            if (keys.isEmpty()) {
                problems.add(where + ": volume " + volume.path("name").asText() + " mounts Secret " + name
                        + ", which is neither rendered nor made by an operator");
                continue;
            }
            for (JsonNode item : secret.path("items")) {
                if (!keys.get().contains(item.path("key").asText())) {
                    problems.add(where + ": volume " + volume.path("name").asText() + " mounts key "
                            + item.path("key").asText() + " of Secret " + name + ", which has no such key ("
                            + keys.get() + ")");
                }
            }
        }
    }

    /** The container's variables, name to literal value (null when it comes from a secret or the pod). */
    private static Map<String, String> environment(Rendered manifest, JsonNode container, String where,
            List<String> problems) {
        Map<String, String> env = new LinkedHashMap<>();
        for (JsonNode source : container.path("envFrom")) {
            String map = source.path("configMapRef").path("name").asText(null);
            String secret = source.path("secretRef").path("name").asText(null);
            if (map != null) {
                Optional<ObjectNode> configMap = manifest.find("ConfigMap", map);
                if (configMap.isEmpty()) {
                    problems.add(where + ": envFrom ConfigMap " + map + " is not in the manifest");
                } else {
                    configMap.get().path("data").fields()
                            .forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
                }
            } else if (secret != null) {
                Optional<Set<String>> keys = PlatformRefs.secretKeys(manifest, secret);
                if (keys.isEmpty()) {
                    problems.add(where + ": envFrom Secret " + secret + " is neither rendered nor made by an operator");
                } else {
                    keys.get().forEach(key -> env.put(key, null));
                }
            }
        }
        Set<String> set = new HashSet<>();
        for (JsonNode variable : container.path("env")) {
            String name = variable.path("name").asText();
            if (!set.add(name)) {
                problems.add(where + ": variable " + name + " is set twice");
            }
            env.put(name, variable.has("value") ? variable.path("value").asText() : null);
            JsonNode secretRef = variable.path("valueFrom").path("secretKeyRef");
            JsonNode mapRef = variable.path("valueFrom").path("configMapKeyRef");
            if (!secretRef.isMissingNode()) {
                String secret = secretRef.path("name").asText();
                String key = secretRef.path("key").asText();
                Optional<Set<String>> keys = PlatformRefs.secretKeys(manifest, secret);
                if (keys.isEmpty() || !keys.get().contains(key)) {
                    problems.add(where + ": " + name + " reads key " + key + " of Secret " + secret
                            + (keys.isEmpty() ? ", which is neither rendered nor made by an operator"
                                    : ", which has no such key (" + keys.get() + ")"));
                }
            } else if (!mapRef.isMissingNode()) {
                String map = mapRef.path("name").asText();
                String key = mapRef.path("key").asText();
                if (!PlatformRefs.configMapKeys(manifest, map).map(k -> k.contains(key)).orElse(false)) {
                    problems.add(where + ": " + name + " reads key " + key + " of ConfigMap " + map
                            + ", which the manifest does not have");
                }
            }
        }
        return env;
    }

    private static void checkVariables(KilnService service, ServiceConfig config, Map<String, String> env,
            String where, List<String> problems) {
        for (String name : env.keySet()) {
            boolean runtime = RUNTIME_VARIABLES.containsKey(name)
                    && (!name.equals("OMP_NUM_THREADS") || PYTORCH_SERVICES.contains(service.name()));
            if (!runtime && !config.readsVariable(name)) {
                problems.add(where + ": variable " + name + " is not read by " + service.module()
                        + " (no such key in its configuration, mappings or @ConfigProperty injections)");
            }
        }
        for (String variable : PLATFORM_ADDRESSES) {
            if (config.readsVariable(variable) && !env.containsKey(variable)) {
                problems.add(where + ": " + variable + " is not set, so " + service.module()
                        + " would look for its local default on localhost");
            }
        }
        if (!env.containsKey("MALLOC_ARENA_MAX")) {
            problems.add(where + ": MALLOC_ARENA_MAX is not set; without it resident memory creeps up (BENCHMARKS.md)");
        }
    }

    private static void checkProbes(Path root, KilnService service, ServiceConfig config, JsonNode container,
            Map<String, String> env, String where, List<String> problems) throws IOException {
        if (!Files.readString(root.resolve(service.module()).resolve("pom.xml")).contains("quarkus-smallrye-health")) {
            problems.add(where + ": " + service.module() + " has no quarkus-smallrye-health, so no health endpoints");
        }
        String configuredPort = setting(config, env, "quarkus.http.port", "8080");
        if (!configuredPort.matches("\\d+")) {
            problems.add(where + ": cannot tell " + service.module() + "'s HTTP port from quarkus.http.port="
                    + configuredPort);
            return;
        }
        int httpPort = Integer.parseInt(configuredPort);
        // With a certificate Quarkus serves HTTPS on its SSL port, and plain HTTP too unless told not to.
        boolean tls = env.containsKey(ServiceConfig.environmentForm(TlsChecks.CERTIFICATE_FILES));
        String sslPort = setting(config, env, "quarkus.http.ssl-port", "8443");
        if (tls && !setting(config, env, "quarkus.http.insecure-requests", "enabled").equals("disabled")) {
            problems.add(where + ": serves plain HTTP on " + httpPort + " beside HTTPS"
                    + " (QUARKUS_HTTP_INSECURE_REQUESTS is not disabled)");
        }
        int servingPort = tls && sslPort.matches("\\d+") ? Integer.parseInt(sslPort) : httpPort;
        String protocol = tls ? "HTTPS" : "HTTP";
        Map<String, Integer> ports = new LinkedHashMap<>();
        for (JsonNode port : container.path("ports")) {
            ports.put(port.path("name").asText(String.valueOf(port.path("containerPort").asInt())),
                    port.path("containerPort").asInt());
        }
        if (!ports.containsValue(servingPort)) {
            problems.add(where + ": declares ports " + ports.values() + ", but " + service.module()
                    + " listens on " + servingPort + " (" + protocol + ")");
        }
        // Quarkus resolves each path against the one above it; a path starting with / is absolute.
        String nonApplication = resolve(resolve("/", setting(config, env, "quarkus.http.root-path", "/")),
                setting(config, env, "quarkus.http.non-application-root-path", "q"));
        String health = resolve(nonApplication, setting(config, env, "quarkus.smallrye-health.root-path", "health"));
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("livenessProbe",
                resolve(health, setting(config, env, "quarkus.smallrye-health.liveness-path", "live")));
        expected.put("readinessProbe",
                resolve(health, setting(config, env, "quarkus.smallrye-health.readiness-path", "ready")));
        expected.put("startupProbe",
                resolve(health, setting(config, env, "quarkus.smallrye-health.startup-path", "started")));
        expected.forEach((probe, path) -> {
            JsonNode get = container.path(probe).path("httpGet");
            if (get.isMissingNode()) {
                if (!probe.equals("startupProbe")) {
                    problems.add(where + ": no " + probe + " (an httpGet on " + path + ")");
                }
                return;
            }
            if (!get.path("path").asText().equals(path)) {
                problems.add(where + ": " + probe + " path " + get.path("path").asText() + " is not "
                        + service.module() + "'s endpoint for it, " + path);
            }
            JsonNode port = get.path("port");
            Integer number = port.isInt() ? Integer.valueOf(port.asInt()) : ports.get(port.asText());
            if (number == null || number != servingPort) {
                problems.add(where + ": " + probe + " port " + port.asText() + " is not the " + protocol + " port "
                        + servingPort);
            }
            if (!get.path("scheme").asText("HTTP").equals(protocol)) {
                problems.add(where + ": " + probe + " speaks " + get.path("scheme").asText("HTTP") + " to the "
                        + protocol + " port");
            }
        });
    }

    /** A setting as the deployed service sees it: the container's variable, else the prod profile, else the default. */
    private static String setting(ServiceConfig config, Map<String, String> env, String key, String otherwise) {
        String fromEnv = env.get(ServiceConfig.environmentForm(key));
        return fromEnv != null ? fromEnv : Optional.ofNullable(config.prodValue(key)).orElse(otherwise);
    }

    private static String resolve(String base, String path) {
        String resolved = (path.startsWith("/") ? path : base.replaceAll("/+$", "") + "/" + path).replaceAll("/+$", "");
        return resolved.isEmpty() ? "/" : resolved;
    }

    private static void checkLockedDown(JsonNode pod, JsonNode container, String where, List<String> problems) {
        JsonNode podSecurity = pod.path("securityContext");
        JsonNode security = container.path("securityContext");
        if (!security.path("runAsNonRoot").asBoolean(podSecurity.path("runAsNonRoot").asBoolean(false))) {
            problems.add(where + ": runAsNonRoot is not true");
        }
        if (!security.path("readOnlyRootFilesystem").asBoolean(false)) {
            problems.add(where + ": readOnlyRootFilesystem is not true");
        } else if (!container.path("volumeMounts").findValuesAsText("mountPath").contains("/tmp")) {
            // Vert.x's file cache and uploads, and JNA, write to java.io.tmpdir.
            problems.add(where + ": the root filesystem is read-only but nothing writable is mounted on /tmp");
        }
        if (security.path("allowPrivilegeEscalation").asBoolean(true)) {
            problems.add(where + ": allowPrivilegeEscalation is not false");
        }
        boolean dropsAll = false;
        for (JsonNode capability : security.path("capabilities").path("drop")) {
            dropsAll |= capability.asText().equals("ALL");
        }
        if (!dropsAll) {
            problems.add(where + ": capabilities do not drop ALL");
        }
        JsonNode resources = container.path("resources");
        for (String needed : List.of("requests/cpu", "requests/memory", "limits/memory")) {
            String[] path = needed.split("/");
            if (resources.path(path[0]).path(path[1]).isMissingNode()) {
                problems.add(where + ": no resources." + path[0] + "." + path[1]);
            }
        }
    }
}
