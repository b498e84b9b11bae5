package dev.kiln.trainer.datasets;

import dev.kiln.artifacts.ArtifactStore;
import dev.kiln.artifacts.StagedUpload;
import dev.kiln.contracts.datasets.DatasetEventV1;
import dev.kiln.contracts.datasets.DatasetStatus;
import dev.kiln.contracts.datasets.ValidationReport;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.imagedata.samples.SamplePicker;
import dev.kiln.imagedata.validation.DatasetValidator;
import dev.kiln.messaging.Outbox;
import dev.kiln.store.artifacts.ArtifactReferences;
import dev.kiln.store.datasets.DatasetRepository;
import dev.kiln.store.datasets.DatasetRepository.Version;
import dev.kiln.store.datasets.DatasetSampleRepository;
import dev.kiln.store.faults.StoreFaults;
import dev.kiln.trainer.requests.WorkerIdentity;
import dev.kiln.trainer.training.TrainerConfig;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Validates and packs new data set versions (uploads, and the built-in data sets this worker
 * {@linkplain CatalogRegistration registers}), one at a time, on a thread of its own beside the trainings. A
 * version is claimed with a lease this worker renews while it works; a worker that dies leaves it to be taken
 * over once the lease lapses. The outcome (READY with the packed blob and a few images of each class as samples,
 * or REJECTED) commits with its event. A version whose validation failed, or never finished (its worker killed or out
 * of memory), {@value #MAX_ATTEMPTS} times is rejected with the reason, not retried forever; a store outage is no
 * attempt.
 */
@ApplicationScoped
public class DatasetValidations {

    private static final Logger LOG = Logger.getLogger(DatasetValidations.class);
    static final int MAX_ATTEMPTS = 3;

    private final DatasetRepository datasets;
    private final DatasetSampleRepository samples;
    private final ArtifactStore artifacts;
    private final ArtifactReferences references;
    private final Outbox outbox;
    private final WorkerIdentity worker;
    private final CatalogRegistration catalog;
    private final Path workDir;
    private final Duration lease;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> new Thread(r, "dataset-validation"));
    private final ScheduledExecutorService renewals = Executors.newSingleThreadScheduledExecutor(
            r -> new Thread(r, "dataset-validation-lease"));
    private final AtomicBoolean queued = new AtomicBoolean();

    public DatasetValidations(DatasetRepository datasets, DatasetSampleRepository samples, ArtifactStore artifacts,
            ArtifactReferences references, Outbox outbox, WorkerIdentity worker, CatalogRegistration catalog,
            TrainerConfig config) {
        this.datasets = datasets;
        this.samples = samples;
        this.artifacts = artifacts;
        this.references = references;
        this.outbox = outbox;
        this.worker = worker;
        this.catalog = catalog;
        this.workDir = Path.of(config.datasets().cacheDir()).resolve("validating");
        this.lease = config.datasets().validationLease();
    }

    /** A new version was announced: look for work now. */
    @Incoming("dataset-events")
    public void announced(String payload) {
        if (Json.read(payload, DatasetEventV1.class).type() == DatasetEventV1.Type.VERSION_CREATED) {
            wake();
        }
    }

    @Scheduled(every = "${kiln.trainer.datasets.validation-poll-interval:10s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void onTimer() {
        wake();
    }

    void onStart(@Observes StartupEvent start) {
        wake();
    }

    void onStop(@Observes ShutdownEvent stop) {
        thread.shutdownNow();
        renewals.shutdownNow();
    }

    /** Runs the validation loop on its thread unless it is already waiting to run. */
    public void wake() {
        if (queued.compareAndSet(false, true)) {
            thread.execute(() -> {
                queued.set(false);
                validateWhileThereIsWork();
            });
        }
    }

    /** Registers the installed built-in data sets (a no-op once done), then validates every version waiting. */
    private void validateWhileThereIsWork() {
        try {
            try {
                catalog.registerInstalled();
            } catch (IOException e) {
                LOG.errorf(e, "Registering the built-in data sets failed; trying again on the next round");
            }
            Version version;
            while ((version = claim()) != null) {
                validate(version);
            }
        } catch (RuntimeException e) {
            if (!StoreFaults.unavailable(e)) {
                throw e;
            }
            LOG.warnf("Data set validation paused, a store is unavailable: %s", e.getMessage());
        }
    }

    private Version claim() {
        Instant now = now();
        return QuarkusTransaction.requiringNew().call(() -> datasets.claimValidation(worker.id(), now, now.plus(lease)));
    }

    private void validate(Version version) {
        if (version.attempts() > MAX_ATTEMPTS) {
            // Each claim counts an attempt, and only a store outage gives one back: the workers before this one
            // stopped without an outcome (killed, or out of memory), and so would the next.
            String reason = "validation did not finish in " + MAX_ATTEMPTS + " attempts: each worker validating it"
                    + " stopped before recording an outcome (killed, or out of memory)";
            finish(version, DatasetStatus.REJECTED, null, ValidationReport.rejected("image-folder", reason), List.of());
            LOG.warnf("Data set %s REJECTED: %s", version.ref(), reason);
            return;
        }
        LOG.infof("Validating data set %s (attempt %d, archive %d bytes)", version.ref(), version.attempts(),
                version.archiveBytes());
        ScheduledFuture<?> renewing = renewals.scheduleAtFixedRate(() -> renew(version), lease.toMillis() / 3,
                lease.toMillis() / 3, TimeUnit.MILLISECONDS);
        Path dir = workDir.resolve(version.dataset() + "-" + version.version() + "-" + worker.id().hashCode());
        try {
            Files.createDirectories(dir);
            Path archive = dir.resolve("archive");
            artifacts.download(version.archiveSha256(), archive);
            Path packed = dir.resolve("packed");
            long started = System.nanoTime();
            DatasetValidator.Outcome outcome = DatasetValidator.validate(archive, packed,
                    DatasetValidator.Settings.defaults(), images -> LOG.debugf("%s: %d images decoded", version.ref(),
                            images));
            // The lease is renewed until the outcome is committed: storing a large packed file can outlast it.
            record(version, outcome, packed, (System.nanoTime() - started) / 1_000_000);
        } catch (IOException | RuntimeException e) {
            if (StoreFaults.unavailable(e)) {
                giveBack(version);
                throw e instanceof RuntimeException runtime ? runtime : new IllegalStateException(e);
            }
            LOG.errorf(e, "Validating %s failed (attempt %d)", version.ref(), version.attempts());
            if (version.attempts() >= MAX_ATTEMPTS) {
                String reason = "validation failed " + version.attempts() + " times; last: " + e.getMessage();
                finish(version, DatasetStatus.REJECTED, null, ValidationReport.rejected("image-folder", reason),
                        List.of());
            }
        } finally {
            renewing.cancel(false);
            deleteQuietly(dir);
        }
    }

    private void record(Version version, DatasetValidator.Outcome outcome, Path packed, long millis)
            throws IOException {
        ValidationReport report = outcome.report();
        if (!report.ready()) {
            finish(version, DatasetStatus.REJECTED, null, report, List.of());
            LOG.infof("Data set %s REJECTED in %d ms: %s", version.ref(), millis, report.rejection());
            return;
        }
        // The samples come from the packed file, so they are what a run trains on.
        List<DatasetSampleRepository.Image> picked = SamplePicker.pick(packed, SamplePicker.Limits.defaults())
                .stream().map(s -> new DatasetSampleRepository.Image(s.position(), s.split(), s.index(), s.label(),
                        s.png())).toList();
        StagedUpload staged;
        try (InputStream in = Files.newInputStream(packed)) {
            staged = artifacts.stage(in, Long.MAX_VALUE);
        }
        if (!finish(version, DatasetStatus.READY, staged, report, picked)) {
            artifacts.discard(staged);
            return;
        }
        LOG.infof("Data set %s READY in %d ms: %d images, %d classes, %dx%dx%d, %d unreadable, %d cross-split"
                + " duplicates, %d sample images", version.ref(), millis, report.images(), report.classes().size(),
                report.channels(), report.storedHeight(), report.storedWidth(), report.unreadableCount(),
                report.crossSplitDuplicates(), picked.size());
    }

    /**
     * Commits the outcome, its samples (none unless READY) and its event; false when another worker took the version
     * over meanwhile.
     */
    private boolean finish(Version version, DatasetStatus status, StagedUpload packed, ValidationReport report,
            List<DatasetSampleRepository.Image> sampled) {
        Instant now = now();
        boolean recorded = QuarkusTransaction.requiringNew().call(() -> {
            String packedSha = null;
            Long packedBytes = null;
            if (packed != null) {
                references.lockForWriting();
                packedSha = artifacts.commit(packed).sha256();
                packedBytes = packed.blob().sizeBytes();
            }
            if (!datasets.finish(version.dataset(), version.version(), worker.id(), status, packedSha, packedBytes,
                    Json.write(report), now)) {
                return false;
            }
            samples.record(version.dataset(), version.version(), sampled);
            outbox.publish(status == DatasetStatus.READY
                    ? DatasetEventV1.ready(version.dataset(), version.version(), version.archiveSha256(), packedSha,
                            report.images(),
                            now)
                    : DatasetEventV1.rejected(version.dataset(), version.version(), version.archiveSha256(),
                            report.rejection(), now));
            return true;
        });
        if (!recorded) {
            LOG.warnf("Data set %s was taken over by another worker; its outcome there stands", version.ref());
        }
        return recorded;
    }

    /** Hands the version back uncounted, if the store takes it; else its lease lapses and the attempt counts. */
    private void giveBack(Version version) {
        try {
            QuarkusTransaction.requiringNew().run(() -> datasets.releaseValidation(version.dataset(),
                    version.version(), worker.id()));
        } catch (RuntimeException e) {
            LOG.debugf("Could not give %s back: %s", version.ref(), e.getMessage());
        }
    }

    private void renew(Version version) {
        try {
            Instant until = now().plus(lease);
            QuarkusTransaction.requiringNew().run(() -> datasets.renewLease(version.dataset(), version.version(),
                    worker.id(), until));
        } catch (RuntimeException e) {
            LOG.warnf("Could not renew the lease on %s: %s", version.ref(), e.getMessage());
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            LOG.debugf("Could not clean up %s: %s", dir, e.getMessage());
        }
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }
}
