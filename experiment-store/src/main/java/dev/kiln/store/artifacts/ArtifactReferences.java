package dev.kiln.store.artifacts;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which blobs rows refer to (the {@code artifact_references} view), and the lock that keeps the sweep from
 * deleting a blob a transaction is about to refer to. Writers take it shared, in the transaction that stores
 * the blob and its row, before they look whether the blob exists; the sweep takes it exclusively around each
 * delete. So a writer that found a blob present commits its row before the sweep looks, and one that comes
 * after a delete finds the blob gone and uploads it again.
 */
@ApplicationScoped
public class ArtifactReferences {

    /** 'blob' in ASCII. */
    private static final long LOCK = 0x626c6f62L;

    private final EntityManager em;

    public ArtifactReferences(EntityManager em) {
        this.em = em;
    }

    /** Before storing a blob that this transaction's rows will refer to. */
    public void lockForWriting() {
        em.createNativeQuery("select pg_advisory_xact_lock_shared(?1)").setParameter(1, LOCK).getSingleResult();
    }

    /** Before deleting a blob: waits for the writers in flight, and keeps new ones out until this commits. */
    public void lockForDeleting() {
        em.createNativeQuery("select pg_advisory_xact_lock(?1)").setParameter(1, LOCK).getSingleResult();
    }

    /** Which of these digests some row refers to. */
    @SuppressWarnings("unchecked")
    public Set<String> referencedAmong(Collection<String> digests) {
        if (digests.isEmpty()) {
            return Set.of();
        }
        List<String> found = em.createNativeQuery("select sha256 from artifact_references where sha256 = any(?1)")
                .setParameter(1, digests.toArray(String[]::new)).getResultList();
        return new HashSet<>(found);
    }

    public boolean isReferenced(String digest) {
        return !referencedAmong(List.of(digest)).isEmpty();
    }
}
