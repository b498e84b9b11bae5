package dev.kiln.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every overlay of k8s/ renders and passes every check. */
class OverlaysTest {

    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static ManifestChecks checks;

    @BeforeAll
    static void load() throws Exception {
        checks = ManifestChecks.load(ROOT, OverlaysTest.class.getClassLoader());
    }

    @ParameterizedTest
    @ValueSource(strings = {"overlays/local", "overlays/gpu", "overlays/production"})
    void overlayPassesEveryCheck(String overlay) throws Exception {
        assertThat(checks.check(ROOT.resolve("k8s"), overlay)).isEmpty();
    }

    @Test
    void theServicesConfigurationIsReadFromTheirClassesAndProperties() throws Exception {
        ServiceConfig trainer = ServiceConfig.of(ROOT, KilnService.TRAINER, getClass().getClassLoader());
        assertThat(trainer.keys()).contains("kiln.trainer.data-dir", "kiln.trainer.heartbeat-interval",
                "kiln.worker.id", "quarkus.datasource.jdbc.url", "mp.messaging.incoming.train-requests.group.id");
        assertThat(trainer.readsVariable("KILN_TRAINER_DATA_DIR")).isTrue();
        assertThat(trainer.readsVariable("KILN_TRAINER_DATADIR")).isFalse();
        ServiceConfig inference = ServiceConfig.of(ROOT, KilnService.INFERENCE, getClass().getClassLoader());
        assertThat(inference.keys()).contains("kiln.inference.batching.max-batch-size");
        assertThat(List.of(inference.prodValue("quarkus.http.port"))).containsExactly("8082");
    }
}
