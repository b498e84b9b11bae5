package dev.kiln.messaging.datasets;

import dev.kiln.artifacts.ArtifactStore;
import dev.kiln.artifacts.StagedUpload;
import dev.kiln.contracts.datasets.DatasetEventV1;
import dev.kiln.messaging.Outbox;
import dev.kiln.store.artifacts.ArtifactReferences;
import dev.kiln.store.datasets.DatasetRepository;
import dev.kiln.store.datasets.DatasetRepository.Version;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Files a staged archive as a data set's next version, VALIDATING, with its VERSION_CREATED event, in one
 * transaction: how an upload and a built-in data set both become versions. The same bytes filed again are the
 * version they already are; the caller discards a staged archive that was not filed.
 */
@ApplicationScoped
public class DatasetFiling {

    /** A version, and whether this filing created it (false: the same bytes were filed before). */
    public record Filed(Version version, boolean created) {
    }

    private final DatasetRepository datasets;
    private final ArtifactStore artifacts;
    private final ArtifactReferences references;
    private final Outbox outbox;

    public DatasetFiling(DatasetRepository datasets, ArtifactStore artifacts, ArtifactReferences references,
            Outbox outbox) {
        this.datasets = datasets;
        this.artifacts = artifacts;
        this.references = references;
        this.outbox = outbox;
    }

    /** Files the archive as a version of the data set {@code name}, which must exist. */
    public Filed file(String name, StagedUpload staged) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        return QuarkusTransaction.requiringNew().call(() -> {
            datasets.lock(name);
            Version earlier = datasets.findByArchive(name, staged.blob().sha256());
            if (earlier != null) {
                return new Filed(earlier, false);
            }
            references.lockForWriting();
            artifacts.commit(staged);
            Version version = datasets.addVersion(name, staged.blob().sha256(), staged.blob().sizeBytes(), now);
            outbox.publish(DatasetEventV1.versionCreated(name, version.version(), version.archiveSha256(), now));
            return new Filed(version, true);
        });
    }
}
