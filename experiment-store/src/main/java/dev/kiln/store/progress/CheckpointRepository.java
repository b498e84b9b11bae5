package dev.kiln.store.progress;

import dev.kiln.artifacts.ArtifactStore;
import dev.kiln.artifacts.Blob;
import dev.kiln.contracts.runs.CheckpointRef;
import dev.kiln.store.artifacts.ArtifactReferences;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Checkpoints of runs, one per kind: the file in the artifact store, its digest and epoch in PostgreSQL.
 * Callers own the transaction.
 */
@ApplicationScoped
public class CheckpointRepository implements PanacheRepositoryBase<CheckpointRecord, CheckpointRecord.Key> {

    @Inject
    ArtifactStore artifacts;

    @Inject
    ArtifactReferences references;

    /**
     * Stores the file in the artifact store and points the run's checkpoint of this kind at it (replacing the
     * previous one), in the caller's transaction: the blob exists before the row that refers to it commits.
     */
    public Blob store(UUID runId, CheckpointRecord.Kind kind, int epoch, byte[] content, Instant now) {
        references.lockForWriting();
        Blob blob = artifacts.put(content);
        CheckpointRecord row = new CheckpointRecord();
        row.runId = runId;
        row.kind = kind.name();
        row.epoch = epoch;
        row.sha256 = blob.sha256();
        row.sizeBytes = blob.sizeBytes();
        row.createdAt = now;
        getEntityManager().merge(row);
        return blob;
    }

    /** What checkpoints the run has, without their content. */
    public List<CheckpointRef> describe(UUID runId) {
        return getEntityManager().createQuery("select new dev.kiln.contracts.runs.CheckpointRef(c.kind, c.epoch, c.sha256,"
                + " c.sizeBytes) from CheckpointRecord c where c.runId = :run order by c.kind", CheckpointRef.class)
                .setParameter("run", runId).getResultList();
    }

    /** The checkpoint's row, or null; {@link #content} reads its file. */
    public CheckpointRecord find(UUID runId, CheckpointRecord.Kind kind) {
        return findById(new CheckpointRecord.Key(runId, kind.name()));
    }

    /** The checkpoint file from the artifact store, verified against the row's digest. */
    public byte[] content(CheckpointRecord row) {
        return content(row.sha256);
    }

    /** A checkpoint file by its digest (a fine-tuning run's pinned base), verified against it. */
    public byte[] content(String sha256) {
        return artifacts.read(sha256);
    }
}
