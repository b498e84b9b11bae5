package dev.kiln.store.artifacts;

import dev.kiln.artifacts.ArtifactStore;
import dev.kiln.artifacts.ArtifactStoreException;
import dev.kiln.artifacts.StoredBlob;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Deletes the blobs no row refers to (checkpoints replaced by a newer epoch, runs deleted, transactions rolled
 * back after their upload) and staged uploads nobody committed, and aborts multipart uploads a killed process
 * left unfinished, once they are older than a grace period. Each
 * delete holds {@link ArtifactReferences#lockForDeleting()} and looks at the references again first.
 */
@ApplicationScoped
public class ArtifactSweep {

    private static final Logger LOG = Logger.getLogger(ArtifactSweep.class);

    private final ArtifactStore artifacts;
    private final ArtifactReferences references;

    public ArtifactSweep(ArtifactStore artifacts, ArtifactReferences references) {
        this.artifacts = artifacts;
        this.references = references;
    }

    /** What one sweep deleted: blobs, their bytes, uploads staged but never filed, and uploads never finished. */
    public record Swept(int blobs, long bytes, int stagedUploads, int abortedUploads) {
    }

    /** Deletes what nothing refers to and was last written before {@code now - grace}. */
    public Swept sweep(Duration grace, Instant now) {
        Instant cutoff = now.minus(grace);
        List<StoredBlob> old = artifacts.blobs().stream().filter(b -> b.lastModified().isBefore(cutoff)).toList();
        Set<String> referenced = QuarkusTransaction.requiringNew()
                .call(() -> references.referencedAmong(old.stream().map(StoredBlob::key).toList()));
        int blobs = 0;
        long bytes = 0;
        for (StoredBlob blob : old) {
            if (!referenced.contains(blob.key()) && deleteIfUnreferenced(blob.key(), cutoff)) {
                blobs++;
                bytes += blob.sizeBytes();
            }
        }
        int staged = 0;
        for (StoredBlob upload : artifacts.staged()) {
            if (upload.lastModified().isBefore(cutoff)) {
                artifacts.deleteStaged(upload.key());
                staged++;
            }
        }
        int aborted = abortUnfinishedUploads(cutoff);
        if (blobs + staged + aborted > 0) {
            LOG.infof("Artifact sweep: deleted %d unreferenced blobs (%d bytes) and %d abandoned uploads; aborted %d"
                    + " unfinished uploads", blobs, bytes, staged, aborted);
        }
        return new Swept(blobs, bytes, staged, aborted);
    }

    /** Multipart uploads a killed process left open; a store that cannot list them only loses this part. */
    private int abortUnfinishedUploads(Instant cutoff) {
        try {
            return artifacts.abortUploadsStartedBefore(cutoff);
        } catch (ArtifactStoreException e) {
            if (e instanceof ArtifactStoreException.Unavailable) {
                throw e;
            }
            LOG.warnf("Artifact sweep: unfinished uploads not aborted: %s", e.getMessage());
            return 0;
        }
    }

    private boolean deleteIfUnreferenced(String digest, Instant cutoff) {
        return QuarkusTransaction.requiringNew().call(() -> {
            references.lockForDeleting();
            Instant written = artifacts.lastModified(digest);
            if (written == null || !written.isBefore(cutoff) || references.isReferenced(digest)) {
                return false;
            }
            artifacts.delete(digest);
            return true;
        });
    }
}
