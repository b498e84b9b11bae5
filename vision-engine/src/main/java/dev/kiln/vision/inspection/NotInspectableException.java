package dev.kiln.vision.inspection;

/**
 * A served model that cannot be looked inside as asked: an imported TorchScript module (compiled into one
 * block DJL runs whole, with no layers to step through), or a network without the convolution asked about.
 */
public final class NotInspectableException extends RuntimeException {

    public NotInspectableException(String message) {
        super(message);
    }
}
