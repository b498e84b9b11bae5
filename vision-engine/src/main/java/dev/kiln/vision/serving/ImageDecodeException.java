package dev.kiln.vision.serving;

/** An image that cannot become a model input; the message says why, for the client. */
public class ImageDecodeException extends Exception {

    public ImageDecodeException(String message) {
        super(message);
    }
}
