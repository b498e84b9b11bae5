package dev.kiln.imagedata.images;

/** A file that is not an image Kiln can use; the message says why, in words (no exception class names). */
public class UnreadableImageException extends Exception {

    public UnreadableImageException(String message) {
        super(message);
    }
}
