package dev.kiln.store.predictions;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.predictions.PredictionLoggedV1;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.util.UUID;

/** The prediction log (Flyway V25): the inference service writes it, the gateway reads it. Callers own the transaction. */
@ApplicationScoped
public class PredictionLogRepository {

    private final EntityManager em;

    public PredictionLogRepository(EntityManager em) {
        this.em = em;
    }

    /** Stores a logged prediction with the image it was made on. */
    public void record(PredictionLoggedV1 prediction, byte[] image) {
        em.createNativeQuery("insert into prediction_log (id, project, model, version, alias, replica, input_sha256,"
                + " image, top, latency_ms, predicted_at) values (?1, ?2, ?3, ?4, cast(?5 as text), ?6, ?7, ?8,"
                + " cast(cast(?9 as text) as jsonb), ?10, ?11)")
                .setParameter(1, prediction.predictionId()).setParameter(2, prediction.project())
                .setParameter(3, prediction.model()).setParameter(4, prediction.version())
                .setParameter(5, prediction.alias()).setParameter(6, prediction.replica())
                .setParameter(7, prediction.inputSha256()).setParameter(8, image)
                .setParameter(9, Json.write(prediction.top())).setParameter(10, prediction.latencyMs())
                .setParameter(11, prediction.predictedAt()).executeUpdate();
    }

    /** The image a logged prediction was made on, or null for an unknown id. */
    public byte[] image(UUID id) {
        var rows = em.createNativeQuery("select image from prediction_log where id = ?1").setParameter(1, id)
                .getResultList();
        return rows.isEmpty() ? null : (byte[]) rows.get(0);
    }
}
