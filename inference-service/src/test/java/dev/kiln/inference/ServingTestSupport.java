package dev.kiln.inference;

import static io.restassured.RestAssured.given;

import dev.kiln.store.progress.CheckpointRepository;
import dev.kiln.store.registry.ModelRegistryRepository;
import dev.kiln.store.runs.RunRepository;
import dev.kiln.vision.checkpoints.Checkpoint;
import dev.kiln.vision.serving.PngImages;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** What the inference tests share: registering checkpoints, announcing promotions, posting test images. */
public abstract class ServingTestSupport {

    @ConfigProperty(name = "kafka.bootstrap.servers")
    protected String bootstrap;

    @Inject
    protected RunRepository runs;

    @Inject
    protected CheckpointRepository checkpoints;

    @Inject
    protected ModelRegistryRepository registry;

    private static final Set<String> SERVED = ConcurrentHashMap.newKeySet();

    /** Makes the first fixture checkpoint the model's champion and waits until it is served, once per test JVM. */
    protected void serveOnce(String model) {
        if (SERVED.add(model)) {
            awaitServed(model, promote(model, ServingFixtures.first().model().toBytes()));
        }
    }

    /** Stores the checkpoint file as a run's result, registers it as the model's champion, announces it. */
    protected int promote(String model, byte[] checkpoint) {
        return promote(model, checkpoint, Checkpoint.sha256(checkpoint));
    }

    /** As {@link #promote(String, byte[])}, with the registry pinning {@code pinnedSha256}. */
    protected int promote(String model, byte[] checkpoint, String pinnedSha256) {
        UUID runId = ServingFixtures.storeRun(runs, checkpoints, checkpoint);
        int version = ServingFixtures.promote(registry, model, runId, pinnedSha256);
        ServingFixtures.announce(bootstrap, model, version, runId, pinnedSha256);
        return version;
    }

    /** Waits until the model's champion answers predictions with this version. */
    protected void awaitServed(String model, int version) {
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() ->
                given().contentType("image/png").body(testPng(0)).post("/api/v1/models/" + model + "/predict")
                        .then().extract().statusCode() == 200
                        && given().contentType("image/png").body(testPng(0)).post("/api/v1/models/" + model + "/predict")
                                .then().extract().path("version").equals(version));
    }

    protected static byte[] testPng(int index) {
        return PngImages.encode(ServingFixtures.data().test(), index);
    }
}
