package dev.kiln.imagedata.archives;

/** An archive (or the data set in it) Kiln refuses; the message names the problem and, where there is one, the path. */
public class ArchiveRejectedException extends Exception {

    public ArchiveRejectedException(String message) {
        super(message);
    }

    public ArchiveRejectedException(String message, Throwable cause) {
        super(message, cause);
    }
}
