package dev.kiln.infra.stack;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The machine's ceiling for single-image requests, measured: a bare Vert.x HTTP server in this JVM that reads each
 * request's body and answers a fixed body, doing nothing else, loaded by the same wrk as the service. What a request
 * costs the machine there (wrk, the kernel's TCP and system calls, Vert.x's HTTP) is what any server on Quarkus pays
 * before its own work, so with the in-process predictor's cost of an image on top it bounds what single-image requests
 * can reach on this machine. One event loop a core, as the inference service serves HTTP (its threads show as many).
 * The CPU is the whole machine's, so whatever else runs meanwhile (the stack's idle services, a prediction log still
 * being written) counts against the bare server: the ceiling errs low by that much.
 */
final class BareHttp {

    /** Unmeasured load first: the server's request path compiled before it is timed. */
    private static final Duration WARM_UP = Duration.ofSeconds(5);

    /**
     * What the bare server took: requests a second, and the machine's CPU a request (every process's, wrk's and the
     * kernel's included) in microseconds.
     */
    record Ceiling(double requestsPerSecond, double cpuMicrosPerRequest, long failed) {

        /**
         * Single images a second the machine's cores allow at most when each request also costs {@code
         * imageMicros} of one core: the in-process predictor's cost of an image in passes of 32, so the bound is an
         * optimistic one (a server's passes of single images are rarely that full).
         */
        double imagesPerSecond(int cores, double imageMicros) {
            return cores * 1e6 / (cpuMicrosPerRequest + imageMicros);
        }
    }

    private BareHttp() {
    }

    /** The bare server answering {@code answer} to each of {@code bodies} from wrk, as {@link Wrk#post} sends them. */
    static Ceiling measure(byte[] answer, List<Path> bodies, String contentType, int connections, Duration duration)
            throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        Vertx bare = Vertx.vertx();
        try {
            Buffer fixed = Buffer.buffer(answer);
            int loops = Runtime.getRuntime().availableProcessors();
            bare.deployVerticle(() -> new AbstractVerticle() {
                @Override
                public void start(Promise<Void> started) {
                    vertx.createHttpServer()
                            .requestHandler(request -> request.body()
                                    .onSuccess(body -> request.response()
                                            .putHeader("Content-Type", "application/json").end(fixed))
                                    .onFailure(failure -> request.connection().close()))
                            .listen(port).<Void>mapEmpty().onComplete(started);
                }
            }, new DeploymentOptions().setInstances(loops)).toCompletionStage().toCompletableFuture()
                    .get(30, TimeUnit.SECONDS);
            String url = "http://localhost:" + port + "/";
            Wrk.post(url, bodies, contentType, connections, WARM_UP);
            long before = busyTicks();
            Wrk.Result load = Wrk.post(url, bodies, contentType, connections, duration);
            double cpuSeconds = (busyTicks() - before) / PredictLoadCheck.CLOCK_TICKS_PER_SECOND;
            if (load.requests() == 0) {
                throw new IllegalStateException("the bare HTTP server answered nothing:\n" + load.output());
            }
            return new Ceiling(load.requestsPerSecond(), 1e6 * cpuSeconds / load.requests(), load.failed());
        } finally {
            bare.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    /** The machine's busy clock ticks so far: user, nice, system, irq and softirq of every core ({@code /proc/stat}). */
    private static long busyTicks() throws IOException {
        // cpu user nice system idle iowait irq softirq steal ...
        String[] fields = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        return Long.parseLong(fields[1]) + Long.parseLong(fields[2]) + Long.parseLong(fields[3])
                + Long.parseLong(fields[6]) + Long.parseLong(fields[7]);
    }
}
