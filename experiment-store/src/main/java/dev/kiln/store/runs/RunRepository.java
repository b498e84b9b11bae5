package dev.kiln.store.runs;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.runs.RunStatus;
import dev.kiln.contracts.runs.TrainingSpec;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Data access for runs. Callers own the transaction. */
@ApplicationScoped
public class RunRepository implements PanacheRepositoryBase<RunRecord, UUID> {

    /** Stores a new run in {@link RunStatus#QUEUED}. */
    public RunRecord createQueued(UUID id, TrainingSpec spec, Instant now) {
        RunRecord run = new RunRecord();
        run.id = id;
        run.status = RunStatus.QUEUED;
        run.specJson = Json.write(spec);
        run.createdAt = now;
        run.updatedAt = now;
        persist(run);
        return run;
    }

    /**
     * Makes {@code worker} the owner of a queued run, atomically: of two workers given the same request
     * (a redelivery, a rebalance), exactly one wins.
     *
     * @return true if this call claimed the run, false if it was no longer queued
     */
    public boolean claim(UUID id, String worker, Instant now) {
        return update("status = ?1, worker = ?2, claimedAt = ?3, updatedAt = ?3 where id = ?4 and status = ?5",
                RunStatus.CLAIMED, worker, now, id, RunStatus.QUEUED) == 1;
    }

    /** Newest first, optionally only one status. */
    public List<RunRecord> listNewestFirst(RunStatus status, int limit) {
        Sort newest = Sort.descending("createdAt");
        var query = status == null ? findAll(newest) : find("status", newest, status);
        return query.page(Page.ofSize(limit)).list();
    }
}
