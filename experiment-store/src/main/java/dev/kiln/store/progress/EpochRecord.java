package dev.kiln.store.progress;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.runs.EpochMetrics;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** One finished epoch of a run, in the {@code run_epochs} table. */
@Entity
@Table(name = "run_epochs")
@IdClass(EpochRecord.Key.class)
public class EpochRecord extends PanacheEntityBase {

    @Id
    @Column(name = "run_id")
    public UUID runId;

    @Id
    public int epoch;

    /** {@link EpochMetrics} as JSON; read it with {@link #metrics()}. */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "metrics", nullable = false)
    public String metricsJson;

    @Column(name = "recorded_at", nullable = false)
    public Instant recordedAt;

    public EpochMetrics metrics() {
        return Json.read(metricsJson, EpochMetrics.class);
    }

    /** The primary key: run and epoch. */
    public static class Key implements Serializable {
        public UUID runId;
        public int epoch;

        public Key() {
        }

        public Key(UUID runId, int epoch) {
            this.runId = runId;
            this.epoch = epoch;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && epoch == k.epoch && Objects.equals(runId, k.runId);
        }

        @Override
        public int hashCode() {
            return Objects.hash(runId, epoch);
        }
    }
}
