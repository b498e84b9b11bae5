package dev.kiln.trainer.datasets;

import dev.kiln.artifacts.ArtifactStore;
import dev.kiln.contracts.datasets.DatasetPin;
import dev.kiln.imagedata.packing.PackedImages;
import dev.kiln.trainer.training.TrainerConfig;
import dev.kiln.vision.pipeline.TrainTestData;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Packed data set versions on this worker's disk, fetched from the artifact store by digest (the download is
 * verified against it) and kept while there is room: past {@code kiln.trainer.datasets.cache-size} the least
 * recently used are deleted. Safe for the worker's trainings to share: a file is written under a temporary
 * name and moved into place whole.
 */
@ApplicationScoped
public class PackedDatasets {

    private static final Logger LOG = Logger.getLogger(PackedDatasets.class);
    private static final String SUFFIX = ".kilnpack";

    private final ArtifactStore artifacts;
    private final Path dir;
    private final long maxBytes;

    public PackedDatasets(ArtifactStore artifacts, TrainerConfig config) {
        this.artifacts = artifacts;
        this.dir = Path.of(config.datasets().cacheDir());
        this.maxBytes = config.datasets().cacheSize().asLongValue();
    }

    /** The pinned version's train and test images, from the cache or fetched into it. */
    public TrainTestData load(DatasetPin pin) throws IOException {
        return TrainTestData.packed(pin.version(), PackedImages.read(file(pin.packedSha256())));
    }

    /** The packed file of this digest on local disk: a hit is marked used; a miss is downloaded and verified. */
    public synchronized Path file(String sha256) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(sha256 + SUFFIX);
        if (Files.exists(file)) {
            Files.setLastModifiedTime(file, FileTime.from(Instant.now()));
            return file;
        }
        long started = System.nanoTime();
        artifacts.download(sha256, file);
        LOG.infof("Fetched packed data set %s (%d bytes) in %d ms", sha256, Files.size(file),
                (System.nanoTime() - started) / 1_000_000);
        evictBeyondLimit(file);
        return file;
    }

    private void evictBeyondLimit(Path keep) throws IOException {
        List<Path> cached;
        try (Stream<Path> files = Files.list(dir)) {
            cached = files.filter(f -> f.getFileName().toString().endsWith(SUFFIX))
                    .sorted(Comparator.comparing(PackedDatasets::lastUsed)).toList();
        }
        long total = 0;
        for (Path file : cached) {
            total += Files.size(file);
        }
        for (Path file : cached) {
            if (total <= maxBytes) {
                break;
            }
            if (!file.equals(keep)) {
                total -= Files.size(file);
                Files.deleteIfExists(file);
                LOG.infof("Evicted %s from the data set cache (over %d bytes)", file.getFileName(), maxBytes);
            }
        }
    }

    private static FileTime lastUsed(Path file) {
        try {
            return Files.getLastModifiedTime(file);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }
}
