package dev.kiln.store.predictions;

import static dev.kiln.store.NativeRows.instant;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.predictions.PredictionLoggedV1;
import dev.kiln.contracts.predictions.RankedClass;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The prediction log (Flyway V25, feedback V26): the inference service writes the predictions, the gateway reads
 * them and writes their feedback. Callers own the transaction.
 */
@ApplicationScoped
public class PredictionLogRepository {

    /** A logged prediction without its image, with its feedback (absent until given). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record LoggedPrediction(UUID id, String project, String model, int version, String alias, String replica,
            String inputSha256, List<RankedClass> top, double latencyMs, Instant predictedAt, String feedbackLabel,
            String feedbackBy, Instant feedbackAt) {
    }

    /** A labelled prediction's image, as exported. */
    public record LabelledImage(UUID id, String label, byte[] image) {
    }

    private static final String COLUMNS = "select id, project, model, version, alias, replica, input_sha256,"
            + " cast(top as text), latency_ms, predicted_at, feedback_label, feedback_by, feedback_at"
            + " from prediction_log";

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

    /** The project's logged prediction, or null. */
    public LoggedPrediction find(UUID id, String project) {
        List<Object[]> rows = em.createNativeQuery(COLUMNS + " where id = ?1 and project = ?2").setParameter(1, id)
                .setParameter(2, project).getResultList();
        return rows.isEmpty() ? null : prediction(rows.get(0));
    }

    /** The image a logged prediction was made on, or null for an unknown id. */
    public byte[] image(UUID id) {
        List<?> rows = em.createNativeQuery("select image from prediction_log where id = ?1").setParameter(1, id)
                .getResultList();
        return rows.isEmpty() ? null : (byte[]) rows.get(0);
    }

    /** Gives the project's prediction its true label (the last one given counts); false for an unknown id. */
    public boolean label(UUID id, String project, String label, String by, Instant at) {
        return em.createNativeQuery("update prediction_log set feedback_label = ?3, feedback_by = ?4,"
                + " feedback_at = ?5 where id = ?1 and project = ?2").setParameter(1, id).setParameter(2, project)
                .setParameter(3, label).setParameter(4, by).setParameter(5, at).executeUpdate() == 1;
    }

    /** The model's labelled predictions in the project, with their images, oldest first. */
    public List<LabelledImage> labelled(String model, String project) {
        List<Object[]> rows = em.createNativeQuery("select id, feedback_label, image from prediction_log"
                + " where model = ?1 and project = ?2 and feedback_label is not null order by predicted_at, id")
                .setParameter(1, model).setParameter(2, project).getResultList();
        return rows.stream().map(r -> new LabelledImage((UUID) r[0], (String) r[1], (byte[]) r[2])).toList();
    }

    /**
     * Deletes up to {@code batch} unlabelled predictions logged before {@code cutoff}, oldest first; labelled ones are
     * training data and stay.
     *
     * @return how many were deleted: fewer than {@code batch} when none older is left
     */
    public int purgeUnlabelled(Instant cutoff, int batch) {
        // The label is checked again on the rows deleted: one labelled meanwhile is training data now.
        return em.createNativeQuery("delete from prediction_log where feedback_label is null and id in (select id"
                + " from prediction_log where feedback_label is null and predicted_at < ?1 order by predicted_at"
                + " limit ?2)")
                .setParameter(1, cutoff).setParameter(2, batch).executeUpdate();
    }

    private static LoggedPrediction prediction(Object[] r) {
        return new LoggedPrediction((UUID) r[0], (String) r[1], (String) r[2], ((Number) r[3]).intValue(),
                (String) r[4], (String) r[5], ((String) r[6]).trim(),
                List.of(Json.read((String) r[7], RankedClass[].class)), ((Number) r[8]).doubleValue(),
                instant(r[9]), (String) r[10], (String) r[11], r[12] == null ? null : instant(r[12]));
    }
}
