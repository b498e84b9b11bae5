package dev.kiln.vision.datasets;

/** Bad command-line arguments. */
final class UsageException extends Exception {

    UsageException(String message) {
        super(message);
    }
}
