package dev.kiln.vision.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.util.Utils;
import org.junit.jupiter.api.Test;

/** The PyTorch natives load from the Maven jar, offline, and compute. */
class DjlRuntimeTest {

    @Test
    void pytorchEngineStartsOfflineAndComputes() {
        EngineInfo info = DjlRuntime.start();

        assertThat(info.engine()).isEqualTo("PyTorch");
        assertThat(info.engineVersion()).startsWith("2.0.1");
        assertThat(info.djlVersion()).isEqualTo("0.25.0");
        // As DJL reads them: from the environment (./kiln exports them) or else the system property.
        assertThat(Utils.getEnvOrSystemProperty("offline")).isEqualTo("true");
        assertThat(Utils.getEnvOrSystemProperty("OPT_OUT_TRACKING")).isEqualTo("true");
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.create(new float[] {1, 2, 3, 4}, new ai.djl.ndarray.types.Shape(2, 2));
            assertThat(x.matMul(x).toFloatArray()).containsExactly(7, 10, 15, 22);
        }
        assertThat(DjlRuntime.start()).isSameAs(info);
    }
}
