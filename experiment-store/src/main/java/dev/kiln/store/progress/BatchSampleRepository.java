package dev.kiln.store.progress;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A run's sampled training batch ({@code run_batch_samples}, Flyway V18): the first images of its first batch, as
 * stored and as augmented. Callers own the transaction.
 */
@ApplicationScoped
public class BatchSampleRepository {

    /**
     * One sampled image.
     *
     * @param trainIndex   its index in the data set's training images
     * @param augmentedPng absent when the run does not augment
     */
    public record Image(int position, int trainIndex, String label, byte[] originalPng, Optional<byte[]> augmentedPng) {
    }

    /** One sampled image without its files, as a listing shows it. */
    public record Entry(int position, int trainIndex, String label, boolean augmented) {
    }

    @Inject
    EntityManager entityManager;

    /**
     * Records a run's sample unless it already has one: the first recorded stays, so a transaction tried again,
     * or a run that restarts its first epoch elsewhere, neither duplicates nor replaces it.
     *
     * @return whether this sample was recorded
     */
    public boolean recordOnce(UUID runId, List<Image> images, Instant now) {
        // Locks the run's row: two transactions recording the same run's sample take turns.
        entityManager.createNativeQuery("select id from runs where id = ?1 for update").setParameter(1, runId)
                .getResultList();
        boolean exists = !entityManager.createNativeQuery("select 1 from run_batch_samples where run_id = ?1 limit 1")
                .setParameter(1, runId).getResultList().isEmpty();
        if (exists) {
            return false;
        }
        for (Image image : images) {
            // Two statements rather than a null bytea parameter, whose type JDBC would have to guess.
            boolean augmented = image.augmentedPng().isPresent();
            var insert = entityManager.createNativeQuery("insert into run_batch_samples (run_id, position, train_index,"
                    + " label, original_png, recorded_at" + (augmented ? ", augmented_png" : "") + ") values (?1, ?2,"
                    + " ?3, ?4, ?5, ?6" + (augmented ? ", ?7" : "") + ") on conflict (run_id, position) do nothing")
                    .setParameter(1, runId).setParameter(2, image.position()).setParameter(3, image.trainIndex())
                    .setParameter(4, image.label()).setParameter(5, image.originalPng()).setParameter(6, now);
            if (augmented) {
                insert.setParameter(7, image.augmentedPng().get());
            }
            insert.executeUpdate();
        }
        return true;
    }

    /** The run's sampled images by position, without their files; empty while none is recorded. */
    @SuppressWarnings("unchecked")
    public List<Entry> list(UUID runId) {
        List<Object[]> rows = entityManager.createNativeQuery("select position, train_index, label,"
                + " augmented_png is not null from run_batch_samples where run_id = ?1 order by position")
                .setParameter(1, runId).getResultList();
        return rows.stream().map(r -> new Entry(((Number) r[0]).intValue(), ((Number) r[1]).intValue(), (String) r[2],
                (Boolean) r[3])).toList();
    }

    /** One sampled image with its files; empty for a position the run's sample does not have. */
    @SuppressWarnings("unchecked")
    public Optional<Image> image(UUID runId, int position) {
        List<Object[]> rows = entityManager.createNativeQuery("select position, train_index, label, original_png,"
                + " augmented_png from run_batch_samples where run_id = ?1 and position = ?2")
                .setParameter(1, runId).setParameter(2, position).getResultList();
        return rows.stream().findFirst().map(r -> new Image(((Number) r[0]).intValue(), ((Number) r[1]).intValue(),
                (String) r[2], (byte[]) r[3], Optional.ofNullable((byte[]) r[4])));
    }
}
