package dev.kiln.store.evaluation;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.util.Objects;
import java.util.UUID;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** One misclassified test image of a run, in the {@code run_misclassified} table. */
@Entity
@Table(name = "run_misclassified")
@IdClass(MisclassifiedRecord.Key.class)
public class MisclassifiedRecord extends PanacheEntityBase {

    @Id
    @Column(name = "run_id")
    public UUID runId;

    /** The image's position in the run's test set. */
    @Id
    @Column(name = "test_index")
    public int testIndex;

    /** The image's label. */
    @Column(nullable = false)
    public int truth;

    /** The label the model gave it instead. */
    @Column(nullable = false)
    public int prediction;

    /** The softmax over every class, in class order. */
    @JdbcTypeCode(SqlTypes.ARRAY)
    @Column(nullable = false)
    public float[] probabilities;

    @Column(name = "image_png", nullable = false)
    public byte[] imagePng;

    /** The primary key: run and test index. */
    public static class Key implements Serializable {
        public UUID runId;
        public int testIndex;

        public Key() {
        }

        public Key(UUID runId, int testIndex) {
            this.runId = runId;
            this.testIndex = testIndex;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && testIndex == k.testIndex && Objects.equals(runId, k.runId);
        }

        @Override
        public int hashCode() {
            return Objects.hash(runId, testIndex);
        }
    }
}
