package dev.kiln.store.progress;

import dev.kiln.artifacts.ArtifactStore;
import dev.kiln.store.artifacts.ArtifactReferences;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Moves checkpoint files stored in PostgreSQL before version 8 of the schema into the artifact store, then
 * clears their column: every service does it at start, before any other start-up work (it observes the start
 * first), one row per transaction. Rows are claimed with {@code skip locked}, so services starting together
 * share the work, and each waits until the others' rows are moved too: none starts reading checkpoints from
 * the store while some are still on their way. A service whose database role may not write checkpoints
 * ({@code kiln.store.moves-legacy-checkpoints=false}: inference) only waits.
 */
@ApplicationScoped
public class LegacyCheckpoints {

    private static final Logger LOG = Logger.getLogger(LegacyCheckpoints.class);

    private final EntityManager em;
    private final ArtifactStore artifacts;
    private final ArtifactReferences references;
    private final boolean moves;

    public LegacyCheckpoints(EntityManager em, ArtifactStore artifacts, ArtifactReferences references,
            @ConfigProperty(name = "kiln.store.moves-legacy-checkpoints") boolean moves) {
        this.em = em;
        this.artifacts = artifacts;
        this.references = references;
        this.moves = moves;
    }

    private static final Duration WAIT_FOR_OTHERS = Duration.ofMinutes(10);

    void onStart(@Observes @Priority(Interceptor.Priority.LIBRARY_BEFORE) StartupEvent start) {
        int moved = moveAll();
        if (moved > 0) {
            LOG.infof("Moved %d checkpoint files from PostgreSQL to the artifact store (bucket %s)", moved,
                    artifacts.bucket());
        }
    }

    /**
     * Moves every legacy checkpoint file, then waits for the ones other processes are moving; answers how many
     * this call moved.
     */
    public int moveAll() {
        int moved = 0;
        long deadline = System.nanoTime() + WAIT_FOR_OTHERS.toNanos();
        while (true) {
            while (moves && QuarkusTransaction.requiringNew().call(this::moveOne)) {
                moved++;
            }
            if (!QuarkusTransaction.requiringNew().call(this::anyLeft)) {
                return moved;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("checkpoint files are still being moved to the artifact store by"
                        + " another process after " + WAIT_FOR_OTHERS.toMinutes() + " minutes");
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while checkpoint files were being moved", e);
            }
        }
    }

    private boolean anyLeft() {
        return !em.createNativeQuery("select 1 from run_checkpoints where content is not null limit 1")
                .getResultList().isEmpty();
    }

    private boolean moveOne() {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("select run_id, kind, sha256, content from run_checkpoints"
                + " where content is not null limit 1 for update skip locked").getResultList();
        if (rows.isEmpty()) {
            return false;
        }
        Object[] row = rows.get(0);
        UUID runId = (UUID) row[0];
        String kind = (String) row[1];
        String recorded = ((String) row[2]).trim();
        byte[] content = (byte[]) row[3];
        String actual = ArtifactStore.sha256(content);
        if (actual.equals(recorded)) {
            references.lockForWriting();
            artifacts.put(content);
        } else {
            // Damaged in the database, so unreadable already (every read checks the digest): not worth a blob.
            LOG.errorf("Checkpoint %s of run %s does not match its recorded SHA-256 %s (it is %s): dropped", kind,
                    runId, recorded, actual);
        }
        em.createNativeQuery("update run_checkpoints set content = null where run_id = ?1 and kind = ?2")
                .setParameter(1, runId).setParameter(2, kind).executeUpdate();
        return true;
    }
}
