package dev.kiln.gateway.datasets;

import dev.kiln.artifacts.ArtifactStore;
import dev.kiln.artifacts.StagedUpload;
import dev.kiln.contracts.runs.Catalog;
import dev.kiln.contracts.validation.FieldError;
import dev.kiln.contracts.validation.Names;
import dev.kiln.gateway.api.ConflictProblem;
import dev.kiln.gateway.api.InvalidRequestException;
import dev.kiln.gateway.api.NotFoundProblem;
import dev.kiln.imagedata.archives.ArchiveEntries;
import dev.kiln.imagedata.archives.ArchiveLayout;
import dev.kiln.imagedata.archives.ArchiveLimits;
import dev.kiln.imagedata.archives.ArchiveRejectedException;
import dev.kiln.imagedata.archives.LayoutCollector;
import dev.kiln.messaging.datasets.DatasetFiling;
import dev.kiln.messaging.datasets.DatasetFiling.Filed;
import dev.kiln.store.datasets.DatasetRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Creating data sets and accepting versions. An upload streams to the artifact store (never whole in memory),
 * is read back once for its structure (paths, links, bombs, the image-folder layout), and only then becomes a
 * version, VALIDATING, with its VERSION_CREATED event, in one transaction; anything refused on the way leaves
 * nothing behind. The same bytes uploaded again are the same version.
 */
@ApplicationScoped
public class DatasetUploads {

    private static final Logger LOG = Logger.getLogger(DatasetUploads.class);

    private final DatasetRepository datasets;
    private final ArtifactStore artifacts;
    private final DatasetFiling filing;
    private final long maxUploadBytes;

    public DatasetUploads(DatasetRepository datasets, ArtifactStore artifacts, DatasetFiling filing,
            DatasetsConfig config) {
        this.datasets = datasets;
        this.artifacts = artifacts;
        this.filing = filing;
        this.maxUploadBytes = config.maxUploadSize().asLongValue();
    }

    /** Creates the data set in the project; names are unique across projects (a taken one is a 409). */
    public DatasetRepository.Dataset create(CreateDatasetRequest request, String project) {
        List<FieldError> errors = new ArrayList<>();
        if (request == null || request.name() == null) {
            errors.add(new FieldError("name", "is required"));
        } else {
            Names.check("name", request.name(), errors);
        }
        if (request != null && request.description() != null && request.description().length() > 2000) {
            errors.add(new FieldError("description", "must be at most 2000 characters"));
        }
        if (!errors.isEmpty()) {
            throw new InvalidRequestException(errors);
        }
        if (Catalog.DATASETS.contains(request.name())) {
            // A trainer registers the built-in one under this name on its first start: it is every project's.
            throw new ConflictProblem("data set '" + request.name() + "' is a built-in data set (names of data sets "
                    + "are unique across projects)");
        }
        Instant now = now();
        return QuarkusTransaction.requiringNew().call(() -> {
            if (!datasets.create(request.name(), request.description(), project, now)) {
                throw new ConflictProblem("data set '" + request.name() + "' exists (names of data sets are unique"
                        + " across projects)");
            }
            return datasets.find(request.name());
        });
    }

    /**
     * Stores the archive as a new version of {@code name}, or answers the version these bytes already are.
     *
     * @throws InvalidRequestException naming {@code archive}: the upload broke off, or the archive is corrupt,
     *                                 unsafe or not a trainable image folder
     * @throws dev.kiln.artifacts.ArtifactStoreException.TooLarge past {@code kiln.datasets.max-upload-size}
     */
    public Filed upload(String name, InputStream body, String project) {
        DatasetRepository.Dataset dataset = QuarkusTransaction.requiringNew().call(
                () -> datasets.findVisible(name, project));
        if (dataset == null) {
            throw new NotFoundProblem("no data set '" + name + "': create it first (POST /api/v1/datasets)");
        }
        if (dataset.builtIn()) {
            throw new ConflictProblem("'" + name + "' is a built-in data set: its versions come with Kiln; upload"
                    + " your images as a data set of your own");
        }
        StagedUpload staged;
        try {
            staged = artifacts.stage(body, maxUploadBytes);
        } catch (IOException e) {
            throw new InvalidRequestException(List.of(new FieldError("archive", "the upload broke off before its end"
                    + " (" + e.getMessage() + "); nothing was stored")));
        }
        boolean filed = false;
        try {
            ArchiveLayout layout = layoutOf(staged);
            Filed upload = filing.file(name, staged);
            filed = upload.created();
            if (upload.created()) {
                LOG.infof("Data set %s uploaded (%s; %d bytes, SHA-256 %s), validating", upload.version().ref(),
                        layout.describe(), staged.blob().sizeBytes(), staged.blob().sha256());
            }
            return upload;
        } finally {
            if (!filed) {
                artifacts.discard(staged);
            }
        }
    }

    /** The archive's structure, read back from the store: refused archives are a 400 naming the problem. */
    private ArchiveLayout layoutOf(StagedUpload staged) {
        LayoutCollector collector = new LayoutCollector();
        try (InputStream in = artifacts.openStaged(staged)) {
            ArchiveEntries.forEach(in, ArchiveLimits.defaults(), collector);
            return collector.layout();
        } catch (ArchiveRejectedException e) {
            throw new InvalidRequestException(List.of(new FieldError("archive", e.getMessage())));
        } catch (IOException e) {
            throw new InvalidRequestException(List.of(new FieldError("archive", "cannot be read: " + e.getMessage())));
        }
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }
}
