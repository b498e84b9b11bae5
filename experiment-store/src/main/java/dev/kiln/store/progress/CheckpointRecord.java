package dev.kiln.store.progress;

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

/**
 * A run's checkpoint in the {@code run_checkpoints} table: which epoch, and the digest and size of its file in
 * the artifact store ({@link CheckpointRepository#content} reads it).
 */
@Entity
@Table(name = "run_checkpoints")
@IdClass(CheckpointRecord.Key.class)
public class CheckpointRecord extends PanacheEntityBase {

    /** The kinds a run keeps, one of each. */
    public enum Kind {
        /** the resume state after the newest epoch */
        last,
        /** the best epoch so far, resumable */
        best,
        /** the run's result, for serving */
        model
    }

    @Id
    @Column(name = "run_id")
    public UUID runId;

    @Id
    public String kind;

    @Column(nullable = false)
    public int epoch;

    /** SHA-256 of the file, hex: its key in the artifact store. */
    @Column(nullable = false)
    public String sha256;

    @Column(name = "size_bytes", nullable = false)
    public long sizeBytes;

    /** The file itself, only in rows written before checkpoints moved to the artifact store (see {@link LegacyCheckpoints}). */
    public byte[] content;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    /** The primary key: run and kind. */
    public static class Key implements Serializable {
        public UUID runId;
        public String kind;

        public Key() {
        }

        public Key(UUID runId, String kind) {
            this.runId = runId;
            this.kind = kind;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(kind, k.kind) && Objects.equals(runId, k.runId);
        }

        @Override
        public int hashCode() {
            return Objects.hash(runId, kind);
        }
    }
}
