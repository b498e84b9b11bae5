package dev.kiln.gateway.quotas;

/** A request over one of its project's quotas, or its caller's rate: answered 429 with {@code Retry-After}. */
public final class QuotaExceededException extends RuntimeException {

    private final long retryAfterSeconds;

    /** @param message names the quota ({@code kiln.quotas...}) and the usage against it */
    public QuotaExceededException(String message, long retryAfterSeconds) {
        super(message);
        this.retryAfterSeconds = Math.max(1, retryAfterSeconds);
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
