package dev.kiln.k8s;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithName;
import java.io.IOException;
import java.io.Reader;
import java.lang.reflect.Executable;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * What one service reads from its configuration: the keys of its application.properties (prod profile), of
 * the defaults of the library modules it uses (experiment store, messaging, artifact store, access), of its
 * {@code @ConfigMapping} interfaces and of its {@code @ConfigProperty} injections, found in its compiled classes and
 * in those libraries'. An environment variable is read when it is
 * the environment form of one of those keys, as Quarkus maps them ({@code kiln.trainer.data-dir} ↔
 * {@code KILN_TRAINER_DATA_DIR}).
 */
public final class ServiceConfig {

    /** The library modules with configuration of their own, read when a service depends on them. */
    private static final List<String> LIBRARIES = List.of("experiment-store", "messaging", "artifact-store", "access");

    /**
     * Kafka client settings: Quarkus' default Kafka configuration takes every {@code KAFKA_*} variable as the
     * setting it spells ({@code KAFKA_SSL_KEYSTORE_TYPE} is {@code ssl.keystore.type}) for every channel.
     */
    private static final Set<String> KAFKA_SETTINGS = new TreeSet<>();

    static {
        KAFKA_SETTINGS.addAll(ConsumerConfig.configNames());
        KAFKA_SETTINGS.addAll(ProducerConfig.configNames());
    }

    /**
     * Quarkus' own settings only a deployment sets, so in no application.properties: TLS (the local stack serves
     * plain HTTP) and the schema owner's credentials for Flyway (the local stack passes them as variables).
     */
    private static final Set<String> DEPLOYMENT_KEYS = Set.of("quarkus.http.ssl.certificate.files",
            "quarkus.http.ssl.certificate.key-files", "quarkus.http.ssl.certificate.reload-period",
            "quarkus.http.ssl-port", "quarkus.http.insecure-requests",
            "quarkus.flyway.username", "quarkus.flyway.password");

    private final Set<String> keys = new TreeSet<>();
    private boolean kafkaClient;
    /** Values for the prod profile: a {@code %prod.} key wins over a plain one. */
    private final Map<String, String> prodValues = new HashMap<>();

    private ServiceConfig() {
    }

    public static ServiceConfig of(Path root, KilnService service, ClassLoader classes) throws IOException {
        ServiceConfig config = new ServiceConfig();
        Path module = root.resolve(service.module());
        String pom = Files.readString(module.resolve("pom.xml"));
        for (String library : LIBRARIES) {
            if (pom.contains("<artifactId>" + library + "</artifactId>")) {
                Path defaults = root.resolve(library)
                        .resolve("src/main/resources/META-INF/microprofile-config.properties");
                if (Files.exists(defaults)) {
                    config.load(defaults);
                }
                config.scanCompiled(root.resolve(library), library, classes);
            }
        }
        config.kafkaClient = pom.contains("<artifactId>quarkus-messaging-kafka</artifactId>");
        config.keys.addAll(DEPLOYMENT_KEYS);
        config.load(module.resolve("src/main/resources/application.properties"));
        config.scanCompiled(module, service.module(), classes);
        return config;
    }

    private void scanCompiled(Path module, String name, ClassLoader classes) throws IOException {
        Path compiled = module.resolve("target/classes");
        if (!Files.isDirectory(compiled)) {
            throw new IOException(compiled + " is missing: build " + name + " first");
        }
        try (Stream<Path> files = Files.walk(compiled)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                String type = compiled.relativize(file).toString().replace('/', '.').replaceAll("\\.class$", "");
                try {
                    scan(Class.forName(type, false, classes));
                } catch (ClassNotFoundException | LinkageError e) {
                    throw new IOException("cannot load " + type + " of " + name
                            + " (is it a test dependency of k8s-checks?): " + e, e);
                }
            }
        }
    }

    public Set<String> keys() {
        return keys;
    }

    public boolean readsVariable(String name) {
        return keys.stream().anyMatch(key -> environmentForm(key).equals(name)) || kafkaClient
                && name.startsWith("KAFKA_") && KAFKA_SETTINGS.contains(name.substring(6).toLowerCase().replace('_', '.'));
    }

    /** The value the prod profile sees, or null. */
    public String prodValue(String key) {
        return prodValues.get(key);
    }

    /** As SmallRye Config maps a property to an environment variable: non-alphanumerics to _, upper case. */
    public static String environmentForm(String key) {
        return key.replaceAll("[^A-Za-z0-9]", "_").toUpperCase();
    }

    private void load(Path file) throws IOException {
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            properties.load(in);
        }
        // Keys of other profiles (%dev, %test) are not what a deployed service reads.
        for (String key : properties.stringPropertyNames()) {
            if (!key.startsWith("%")) {
                keys.add(key);
                prodValues.put(key, properties.getProperty(key));
            }
        }
        for (String key : properties.stringPropertyNames()) {
            if (key.startsWith("%prod.")) {
                keys.add(key.substring("%prod.".length()));
                prodValues.put(key.substring("%prod.".length()), properties.getProperty(key));
            }
        }
    }

    private void scan(Class<?> type) {
        ConfigMapping mapping = type.getAnnotation(ConfigMapping.class);
        if (mapping != null) {
            addMapping(mapping.prefix(), type);
        }
        Arrays.stream(type.getDeclaredFields())
                .map(f -> f.getAnnotation(ConfigProperty.class))
                .forEach(this::addProperty);
        Stream.concat(Arrays.stream(type.getDeclaredConstructors()), Arrays.stream(type.getDeclaredMethods()))
                .map(Executable::getParameters).flatMap(Arrays::stream)
                .map((Parameter p) -> p.getAnnotation(ConfigProperty.class))
                .forEach(this::addProperty);
    }

    private void addProperty(ConfigProperty property) {
        if (property != null && !property.name().isEmpty()) {
            keys.add(property.name());
        }
    }

    /** Each method of a mapping is a key; a method returning another of the project's interfaces is a group. */
    private void addMapping(String prefix, Class<?> mapping) {
        for (Method method : mapping.getMethods()) {
            if (method.getParameterCount() > 0 || method.isDefault() || Modifier.isStatic(method.getModifiers())) {
                continue;
            }
            WithName renamed = method.getAnnotation(WithName.class);
            String key = prefix + "." + (renamed != null ? renamed.value() : kebab(method.getName()));
            Class<?> returned = method.getReturnType();
            if (returned.isInterface() && returned.getPackageName().startsWith("dev.kiln")) {
                addMapping(key, returned);
            } else {
                keys.add(key);
            }
        }
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
    }
}
