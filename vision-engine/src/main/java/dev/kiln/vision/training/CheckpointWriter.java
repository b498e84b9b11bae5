package dev.kiln.vision.training;

import dev.kiln.contracts.runs.EpochMetrics;
import dev.kiln.vision.checkpoints.Checkpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** Writes {@code last.ckpt} after every epoch (to resume from) and {@code best.ckpt} when an epoch is the best. */
public final class CheckpointWriter implements EpochListener {

    public static final String LAST = "last.ckpt";
    public static final String BEST = "best.ckpt";

    private final Path dir;

    public CheckpointWriter(Path dir) {
        this.dir = dir;
    }

    @Override
    public void onEpoch(EpochMetrics metrics, EpochControl control) {
        try {
            Checkpoint snapshot = control.snapshot();
            snapshot.write(dir.resolve(LAST));
            if (control.isBest()) {
                snapshot.write(dir.resolve(BEST));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a checkpoint into " + dir, e);
        }
    }
}
