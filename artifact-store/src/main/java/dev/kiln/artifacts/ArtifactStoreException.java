package dev.kiln.artifacts;

/** The artifact store refused or failed a call; the subclasses say how. */
public class ArtifactStoreException extends RuntimeException {

    public ArtifactStoreException(String message, Throwable cause) {
        super(message, cause);
    }

    public ArtifactStoreException(String message) {
        super(message);
    }

    /** The store could not be reached or answered with a server error: the same call may work later. */
    public static class Unavailable extends ArtifactStoreException {
        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** No blob with this digest. */
    public static class NotFound extends ArtifactStoreException {
        public NotFound(String sha256) {
            super("no blob " + sha256 + " in the artifact store");
        }
    }

    /** The blob read back does not hash to its name: it was damaged in the store or on the way. */
    public static class Corrupt extends ArtifactStoreException {
        public Corrupt(String sha256, String actual) {
            super("blob " + sha256 + " read back with SHA-256 " + actual);
        }
    }

    /** An upload went past its limit; nothing of it was kept. */
    public static class TooLarge extends ArtifactStoreException {
        private final long limitBytes;

        public TooLarge(long limitBytes) {
            super("the upload is larger than the limit of " + limitBytes + " bytes");
            this.limitBytes = limitBytes;
        }

        public long limitBytes() {
            return limitBytes;
        }
    }
}
