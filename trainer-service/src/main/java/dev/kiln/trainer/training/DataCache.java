package dev.kiln.trainer.training;

import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.trainer.datasets.PackedDatasets;
import dev.kiln.vision.pipeline.TrainTestData;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Data sets read once per worker and shared by its trainings (they are read-only): the built-in ones from
 * {@code ./kiln data}'s folder, registered versions from the packed cache by their pinned digest. The most
 * recently used {@value #IN_MEMORY} stay in memory.
 */
@ApplicationScoped
public class DataCache implements TrainingJob.DataSets {

    static final int IN_MEMORY = 3;

    private final Path dataDir;
    private final PackedDatasets packed;
    /** By name or packed digest, least recently used first. Guarded by itself. */
    private final Map<String, TrainTestData> loaded = new LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, TrainTestData> eldest) {
            return size() > IN_MEMORY;
        }
    };

    public DataCache(TrainerConfig config, PackedDatasets packed) {
        this.dataDir = Path.of(config.dataDir());
        this.packed = packed;
    }

    @Override
    public TrainTestData load(TrainingSpec spec) throws IOException {
        String key = spec.data() == null ? spec.dataset() : spec.data().packedSha256();
        synchronized (loaded) {
            try {
                return loaded.computeIfAbsent(key, k -> {
                    try {
                        return spec.data() == null ? TrainTestData.load(spec.dataset(), dataDir) : packed.load(spec.data());
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }
    }
}
