package dev.kiln.store.progress;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Per-epoch metrics of runs. Callers own the transaction. */
@ApplicationScoped
public class EpochRepository implements PanacheRepositoryBase<EpochRecord, EpochRecord.Key> {

    /** Records an epoch; recording the same epoch again (a run resumed after a crash) replaces it. */
    public void record(UUID runId, int epoch, String metricsJson, Instant now) {
        EpochRecord row = new EpochRecord();
        row.runId = runId;
        row.epoch = epoch;
        row.metricsJson = metricsJson;
        row.recordedAt = now;
        getEntityManager().merge(row);
    }

    /** Epochs after this one are forgotten: a run resumed from an earlier checkpoint records them anew. */
    public void deleteAfter(UUID runId, int epoch) {
        delete("runId = ?1 and epoch > ?2", runId, epoch);
    }

    public List<EpochRecord> forRun(UUID runId) {
        return list("runId", Sort.ascending("epoch"), runId);
    }
}
