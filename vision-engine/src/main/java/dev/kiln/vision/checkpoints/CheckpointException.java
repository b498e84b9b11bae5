package dev.kiln.vision.checkpoints;

import java.io.IOException;

/** A checkpoint that cannot be used: unreadable, of another format, or failing its digest. */
public class CheckpointException extends IOException {

    public CheckpointException(String message) {
        super(message);
    }
}
