package dev.kiln.inference.serving;

import dev.kiln.vision.serving.ForwardEngine;
import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** How an inference replica serves ({@code kiln.inference.*}). */
@ConfigMapping(prefix = "kiln.inference")
public interface InferenceConfig {

    /** auto (a GPU when one is visible), cpu or gpu:N. */
    @WithDefault("auto")
    String device();

    /** The name in serving events and logs; defaults to {@code inference-<pid>@<hostname>}. */
    Optional<String> replicaId();

    /** How often the replica compares what it serves with the registry's champions, to heal a missed event. */
    @WithDefault("30s")
    Duration reconcileInterval();

    /**
     * How often the replica says it is alive (replica_heartbeats.seen_at), so the console tells a live replica from
     * one that died without retiring anything; the gateway's kiln.models.replica-stale-after (60s) should be a few
     * of these.
     */
    @WithDefault("15s")
    Duration heartbeatInterval();

    /**
     * How often the replica writes what it saw of each rollout's new version (rollout_observations), which the
     * gateway's rollout controller judges; a step cannot be judged sooner than this.
     */
    @WithDefault("2s")
    Duration rolloutReportInterval();

    /**
     * How many cores one forward pass may split over (PyTorch's intra-op threads). 1: a replica runs many small passes
     * (batching threads per version, requests decoding beside them), and OpenMP's workers waking for each one
     * compete with the HTTP threads for the cores; a large model served to few clients may answer sooner with more.
     * 0 keeps PyTorch's own choice ({@code OMP_NUM_THREADS}, else one per core).
     */
    @WithDefault("1")
    int intraOpThreads();

    /**
     * What runs the forward passes: onnx-runtime (the whole graph in one native call; on the CPU, for Kiln-built
     * architectures, each checked against libtorch when it loads) or libtorch (every pass through DJL). A model
     * ONNX Runtime cannot run is served by libtorch either way: an imported TorchScript module, a GPU device.
     */
    @WithDefault("onnx-runtime")
    ForwardEngine forwardEngine();

    /** Pinned (non-champion) versions kept loaded at once; the least recently used one is released first. */
    @WithDefault("4")
    int pinnedVersions();

    /** Images one request may carry (REST batch or OIP tensor). */
    @WithDefault("256")
    int maxImagesPerRequest();

    /**
     * Pixels the images of one predict request may claim in all (read from their headers, before any is
     * decoded), so that a few kilobytes of requests cannot make the service allocate gigabytes: 16 megapixels,
     * one 4096x4096 image or 256 of 256x256.
     */
    @WithDefault("16777216")
    long maxPixelsPerRequest();

    Batching batching();

    PredictionLog predictionLog();

    /** The prediction log: a sample of the answered images, kept with their answers (Flyway V25) and announced. */
    interface PredictionLog {

        /** The share of the images of predict requests logged, 0 (none) to 1 (every one). */
        @WithDefault("0.01")
        double sampleRate();

        /**
         * Logged predictions a second at most, per replica (0: no limit). Each costs a row, an outbox row and a
         * Kafka record, so under heavy load a share alone would make the log's cost, and its growth, follow the load.
         */
        @WithDefault("10")
        int maxPerSecond();

        /** Logged predictions waiting to be written at most; more are dropped (counted), never waited for. */
        @WithDefault("1000")
        int queue();

        /** The images of the logged predictions waiting to be written, in bytes at most; more are dropped too. */
        @WithDefault("64M")
        MemorySize queueBytes();
    }

    /** Dynamic batching: concurrent requests for one version share a forward pass. */
    interface Batching {

        /** Images per forward pass at most; a single request with more runs alone. */
        @WithDefault("32")
        int maxBatchSize();

        /**
         * How long the first request of a batch waits for others. 0 runs whatever is queued at once: requests that
         * arrive during a pass queue up and share the next one, so batches still grow with the load, and a fixed wait
         * would only add its length to every request below the batch size (the clients then wait in step with it).
         */
        @WithDefault("0s")
        Duration maxDelay();

        /**
         * Forward passes of a version that may run at once, each on its own thread. 2 by default: a pass runs on one
         * core ({@code intra-op-threads} 1), and with one at a time the other core waited for it under load.
         */
        @WithDefault("2")
        int threads();

        /**
         * Requests read by an event loop have their passes run on that loop, with the others it read in the same turn,
         * for a version whose warm pass of {@code max-batch-size} images takes at most this much CPU at load, and only
         * with no {@code max-delay}. The hand-off to a batching thread and back cost a 28x28 image more than its
         * pass; a long pass would hold up the loop's other connections. 0: every pass on the batching threads.
         */
        @WithDefault("5ms")
        Duration eventLoopPassLimit();

        default DynamicBatcher.Limits limits() {
            return new DynamicBatcher.Limits(maxBatchSize(), maxDelay(), threads());
        }
    }
}
