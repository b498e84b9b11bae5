package dev.kiln.store.evaluation;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

/** The misclassified test images of runs, with their PNGs. Callers own the transaction. */
@ApplicationScoped
public class MisclassifiedRepository implements PanacheRepositoryBase<MisclassifiedRecord, MisclassifiedRecord.Key> {

    /** By true class, the most confident mistake first, the earlier image first among equals. */
    private static final Comparator<Misclassification> SERVED_ORDER = Comparator.comparingInt(Misclassification::truth)
            .thenComparing(Comparator.comparingDouble(Misclassification::probability).reversed())
            .thenComparingInt(Misclassification::testIndex);

    /** One image to record: the stored fields and the PNG. */
    public record Image(Misclassification misclassification, byte[] png) {
    }

    /**
     * The run's misclassified images become these, whatever was recorded before: a transaction tried again, or a
     * run finished again after a takeover, never leaves two rows for one image or rows of an earlier attempt.
     */
    public void replace(UUID runId, List<Image> images) {
        delete("runId", runId);
        for (Image image : images) {
            MisclassifiedRecord row = new MisclassifiedRecord();
            row.runId = runId;
            row.testIndex = image.misclassification().testIndex();
            row.truth = image.misclassification().truth();
            row.prediction = image.misclassification().prediction();
            row.probabilities = image.misclassification().probabilities();
            row.imagePng = image.png();
            persist(row);
        }
    }

    /** The run's misclassified images without their PNGs, by true class then the most confident first. */
    public List<Misclassification> forRun(UUID runId) {
        return getEntityManager().createQuery("select new dev.kiln.store.evaluation.Misclassification(m.testIndex,"
                + " m.truth, m.prediction, m.probabilities) from MisclassifiedRecord m where m.runId = :run",
                Misclassification.class).setParameter("run", runId).getResultStream().sorted(SERVED_ORDER).toList();
    }

    /** The PNG of the run's test image at {@code testIndex}; null when it was not recorded. */
    public byte[] png(UUID runId, int testIndex) {
        List<byte[]> png = getEntityManager().createQuery("select m.imagePng from MisclassifiedRecord m"
                + " where m.runId = :run and m.testIndex = :index", byte[].class)
                .setParameter("run", runId).setParameter("index", testIndex).getResultList();
        return png.isEmpty() ? null : png.get(0);
    }
}
