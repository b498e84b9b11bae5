package dev.kiln.store.datasets;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.util.List;
import java.util.Optional;

/**
 * A READY data set version's sample images ({@code dataset_samples}, Flyway V19): the first few of each class, as
 * PNG files, recorded by the trainer that validated it. Callers own the transaction.
 */
@ApplicationScoped
public class DatasetSampleRepository {

    /**
     * One sample image without its file, as a listing shows it.
     *
     * @param index its index in its split of the packed version
     * @param label its class name
     */
    public record Entry(int position, String split, int index, String label) {
    }

    /** One sample image with its PNG file. */
    public record Image(int position, String split, int index, String label, byte[] png) {

        public Entry entry() {
            return new Entry(position, split, index, label);
        }
    }

    private final EntityManager em;

    public DatasetSampleRepository(EntityManager em) {
        this.em = em;
    }

    /** Records a version's samples: call in the transaction that makes it READY. */
    public void record(String dataset, int version, List<Image> images) {
        for (Image image : images) {
            em.createNativeQuery("insert into dataset_samples (dataset, version, position, split, image_index, label,"
                    + " image_png) values (?1, ?2, ?3, ?4, ?5, ?6, ?7)").setParameter(1, dataset)
                    .setParameter(2, version).setParameter(3, image.position()).setParameter(4, image.split())
                    .setParameter(5, image.index()).setParameter(6, image.label()).setParameter(7, image.png())
                    .executeUpdate();
        }
    }

    /** The version's samples by position, without their files; empty when none is recorded. */
    @SuppressWarnings("unchecked")
    public List<Entry> list(String dataset, int version) {
        List<Object[]> rows = em.createNativeQuery("select position, split, image_index, label from dataset_samples"
                + " where dataset = ?1 and version = ?2 order by position").setParameter(1, dataset)
                .setParameter(2, version).getResultList();
        return rows.stream().map(r -> new Entry(((Number) r[0]).intValue(), (String) r[1], ((Number) r[2]).intValue(),
                (String) r[3])).toList();
    }

    /** One sample with its file; empty for a position the version's samples do not have. */
    @SuppressWarnings("unchecked")
    public Optional<Image> image(String dataset, int version, int position) {
        List<Object[]> rows = em.createNativeQuery("select position, split, image_index, label, image_png from"
                + " dataset_samples where dataset = ?1 and version = ?2 and position = ?3").setParameter(1, dataset)
                .setParameter(2, version).setParameter(3, position).getResultList();
        return rows.stream().findFirst().map(r -> new Image(((Number) r[0]).intValue(), (String) r[1],
                ((Number) r[2]).intValue(), (String) r[3], (byte[]) r[4]));
    }
}
