package dev.kiln.trainer.training;

import dev.kiln.contracts.datasets.DatasetPin;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.trainer.datasets.CatalogPins;
import dev.kiln.trainer.datasets.PackedDatasets;
import dev.kiln.vision.pipeline.TrainTestData;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Data sets read once per worker and shared by its trainings (they are read-only): every one a registered
 * version, from the packed cache by its pinned digest (a spec naming a built-in set without a pin trains on its
 * latest READY version, {@link CatalogPins}). The most recently used {@value #IN_MEMORY} stay in memory.
 */
@ApplicationScoped
public class DataCache implements TrainingJob.DataSets {

    static final int IN_MEMORY = 3;

    private final PackedDatasets packed;
    private final CatalogPins catalogPins;
    /** By packed digest, least recently used first. Guarded by itself. */
    private final Map<String, TrainTestData> loaded = new LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, TrainTestData> eldest) {
            return size() > IN_MEMORY;
        }
    };

    public DataCache(PackedDatasets packed, CatalogPins catalogPins) {
        this.packed = packed;
        this.catalogPins = catalogPins;
    }

    @Override
    public TrainTestData load(TrainingSpec spec) throws IOException {
        DatasetPin pin = spec.data() != null ? spec.data() : catalogPins.latest(spec.dataset());
        synchronized (loaded) {
            try {
                return loaded.computeIfAbsent(pin.packedSha256(), digest -> {
                    try {
                        return packed.load(pin);
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
