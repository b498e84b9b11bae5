package dev.kiln.store.progress;

import jakarta.enterprise.context.ApplicationScoped;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import dev.kiln.contracts.runs.CheckpointRef;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Checkpoint files of runs, one per kind. Callers own the transaction. */
@ApplicationScoped
public class CheckpointRepository implements PanacheRepositoryBase<CheckpointRecord, CheckpointRecord.Key> {

    /** Stores (or replaces) the run's checkpoint of this kind. */
    public void store(UUID runId, CheckpointRecord.Kind kind, int epoch, byte[] content, String sha256, Instant now) {
        CheckpointRecord row = new CheckpointRecord();
        row.runId = runId;
        row.kind = kind.name();
        row.epoch = epoch;
        row.content = content;
        row.sha256 = sha256;
        row.sizeBytes = content.length;
        row.createdAt = now;
        getEntityManager().merge(row);
    }

    /** What checkpoints the run has, without their content. */
    public List<CheckpointRef> describe(UUID runId) {
        return getEntityManager().createQuery("select new dev.kiln.contracts.runs.CheckpointRef(c.kind, c.epoch, c.sha256,"
                + " c.sizeBytes) from CheckpointRecord c where c.runId = :run order by c.kind", CheckpointRef.class)
                .setParameter("run", runId).getResultList();
    }

    /** The checkpoint, or null; callers verify {@link CheckpointRecord#sha256} against the content. */
    public CheckpointRecord find(UUID runId, CheckpointRecord.Kind kind) {
        return findById(new CheckpointRecord.Key(runId, kind.name()));
    }
}
