package dev.kiln.trainer.training;

import dev.kiln.vision.pipeline.TrainTestData;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Data sets read once per worker and shared by its trainings (they are read-only). */
@ApplicationScoped
public class DataCache implements TrainingJob.DataSets {

    private final Path dataDir;
    private final Map<String, TrainTestData> loaded = new ConcurrentHashMap<>();

    public DataCache(TrainerConfig config) {
        this.dataDir = Path.of(config.dataDir());
    }

    @Override
    public TrainTestData load(String name) throws IOException {
        try {
            return loaded.computeIfAbsent(name, key -> {
                try {
                    return TrainTestData.load(key, dataDir);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
