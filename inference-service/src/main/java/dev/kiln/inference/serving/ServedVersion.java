package dev.kiln.inference.serving;

import dev.kiln.vision.serving.Classifier;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * One loaded model version and the batcher that feeds it. Requests hold a lease while they use it; the server
 * holds one while it serves it. A replaced version is retired: it takes no new lease, and when the last
 * in-flight request releases its lease the batcher stops and the native memory is freed.
 */
public final class ServedVersion {

    private final String model;
    private final String project;
    private final int version;
    private final UUID runId;
    private final String checkpointSha256;
    private final Classifier classifier;
    private final DynamicBatcher batcher;
    private final Instant loadedAt;
    private final Consumer<ServedVersion> onReleased;
    private final Executor freeing;
    // Starts at 1: the server's own lease, given back by retire().
    private final AtomicInteger leases = new AtomicInteger(1);
    private final AtomicBoolean retired = new AtomicBoolean();

    /**
     * @param project    the model's project, whose callers alone may use it
     * @param onReleased told once the version's memory is released
     * @param freeing    frees it once the last lease is given back, given the thread that gave it back: a request's
     *                   last lease may end on an event loop, which should not wait for the batcher's threads to end
     *                   and the native memory to be freed
     */
    public ServedVersion(String model, String project, int version, UUID runId, String checkpointSha256,
            Classifier classifier, DynamicBatcher batcher, Instant loadedAt, Consumer<ServedVersion> onReleased,
            Executor freeing) {
        this.model = model;
        this.project = project;
        this.version = version;
        this.runId = runId;
        this.checkpointSha256 = checkpointSha256;
        this.classifier = classifier;
        this.batcher = batcher;
        this.loadedAt = loadedAt;
        this.onReleased = onReleased;
        this.freeing = freeing;
    }

    /** @return false once the version is released: the caller looks up the version that replaced it */
    public boolean tryAcquire() {
        while (true) {
            int held = leases.get();
            if (held == 0) {
                return false;
            }
            if (leases.compareAndSet(held, held + 1)) {
                return true;
            }
        }
    }

    public void release() {
        if (leases.decrementAndGet() == 0) {
            freeing.execute(() -> {
                free();
                onReleased.accept(this);
            });
        }
    }

    /** Frees a version that was never served (it failed its warm-up): no lease was ever taken, nobody is told. */
    public void discard() {
        leases.set(0);
        free();
    }

    private void free() {
        batcher.close();
        classifier.close();
    }

    /** Takes no new requests; frees the memory after the in-flight ones (at once if there are none). */
    public void retire() {
        if (retired.compareAndSet(false, true)) {
            release();
        }
    }

    /** The model's project: its callers alone may use the version. */
    public String project() {
        return project;
    }

    public String model() {
        return model;
    }

    public int version() {
        return version;
    }

    public UUID runId() {
        return runId;
    }

    public String checkpointSha256() {
        return checkpointSha256;
    }

    public Classifier classifier() {
        return classifier;
    }

    public DynamicBatcher batcher() {
        return batcher;
    }

    public Instant loadedAt() {
        return loadedAt;
    }

    /** Requests using it now (the server's own lease excluded). */
    public int inFlight() {
        return Math.max(0, leases.get() - (retired.get() ? 0 : 1));
    }
}
