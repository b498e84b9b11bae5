package dev.kiln.gateway;

import dev.kiln.artifacts.ArtifactStore;
import dev.kiln.contracts.datasets.ValidationReport;
import dev.kiln.contracts.messaging.Json;
import jakarta.persistence.EntityManager;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** Data set versions made READY as a trainer worker records them: packed, with a two-class 28x28 grey report. */
public final class ReadyVersions {

    /** The packed form's digest every version made READY here gets. */
    public static final String PACKED = ArtifactStore.sha256("packed".getBytes(StandardCharsets.UTF_8));

    private ReadyVersions() {
    }

    /** The report of 100 training and 20 test images of classes a and b. */
    public static ValidationReport report() {
        return new ValidationReport("image-folder", List.of("a", "b"), Map.of(
                "train", new ValidationReport.SplitSummary(100, Map.of("a", 50, "b", 50)),
                "test", new ValidationReport.SplitSummary(20, Map.of("a", 10, "b", 10))), 1.0, Map.of("28x28", 120),
                Map.of("grey", 120), 1, 28, 28, List.of(0.3), List.of(0.3), List.of(), 0, List.of(), 0, 0, 0, List.of(),
                null);
    }

    /** Marks every version of the data set READY; call it in a transaction. */
    public static void markReady(EntityManager em, String dataset) {
        em.createNativeQuery("update dataset_versions set status = 'READY', packed_sha256 = ?1, packed_bytes = 1,"
                + " report = cast(?2 as jsonb), finished_at = now() where dataset = ?3").setParameter(1, PACKED)
                .setParameter(2, Json.write(report())).setParameter(3, dataset).executeUpdate();
    }
}
