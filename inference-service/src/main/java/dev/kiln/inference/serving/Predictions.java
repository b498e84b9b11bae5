package dev.kiln.inference.serving;

import dev.kiln.access.Caller;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.quarkus.security.identity.SecurityIdentity;
import io.vertx.core.Context;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Runs a request's inputs through a served version: leases the version (the champion, or the pinned one),
 * queues the inputs on its batcher, and gives the lease back when the answer is in, so a swap never
 * frees a model a request is still using. Counts requests and times them per model and API. While a champion rolls
 * out, a request may run on both of its versions ({@link Route}): the new version's latency, failures and agreement
 * go to the rollout's tally, and a request the new version fails is answered by the one it replaces.
 */
@ApplicationScoped
public class Predictions {

    /** The probabilities of a request's images and the version that computed them. */
    public record Result(ServedVersion version, float[] probabilities, int count) {
    }

    private final ServedModels served;
    private final MeterRegistry metrics;
    // Meters by their tags, so a request does not build and look up its meters every time (nor a key string).
    private final Map<Tags, Timer> durations = new ConcurrentHashMap<>();
    private final Map<Tags, Counter> requests = new ConcurrentHashMap<>();

    /** A meter's tags: {@code outcome} null for the durations. */
    private record Tags(String model, String api, String outcome) {
    }

    public Predictions(ServedModels served, MeterRegistry metrics) {
        this.served = served;
        this.metrics = metrics;
    }

    /**
     * The project whose model of that name the caller may use: a caller with a token uses its project's models
     * and the public ones; a caller without one only the public ones. Called first, before the request is read
     * further, so a refusal is the same whatever the request holds.
     *
     * @param identity the request's, authenticated here if it was not yet
     * @throws UnauthorizedException without a token, for a model that is not public (or does not exist)
     * @throws ForbiddenException    for an identity with no Kiln role
     */
    public String projectFor(String model, SecurityIdentity identity) {
        Optional<String> open = served.publicPredictionProject(model);
        if (identity.isAnonymous()) {
            return open.orElseThrow(UnauthorizedException::new);
        }
        Caller caller = Caller.of(identity);
        if (caller.role() == null) {
            throw new ForbiddenException();
        }
        return open.orElse(caller.project());
    }

    /**
     * Leases the version a request names (null: the champion) of the project's model ({@link #projectFor}), to read
     * or inspect it rather than to run a prediction ({@link #route}); the caller gives the lease back with
     * {@link ServedVersion#release()}.
     */
    public ServedVersion lease(String model, Integer version, String project) {
        return version == null ? served.acquireChampion(model, project)
                : served.acquireVersion(model, version, project);
    }

    /**
     * Leases what a request for the version it names (null: the champion) runs on; the caller gives the leases back
     * through {@link #run} or, when it stops before running, {@link Route#release()}.
     */
    public Route route(String model, Integer version, String project) {
        return version == null ? served.routeChampion(model, project, false)
                : Route.of(served.acquireVersion(model, version, project));
    }

    /**
     * As {@link #route} for the champion, from what this replica serves alone, never blocking (for an I/O thread):
     * null when it serves no champion of the model; {@link #route} then asks the registry why.
     */
    public Route routeServed(String model, String project) {
        return served.routeServedChampion(model, project, false);
    }

    /**
     * As {@link #route} for inputs that are tensors normalised already (the Open Inference Protocol): during a
     * rollout whose versions take different inputs, the champion alone runs them, the version the model's metadata
     * describes.
     */
    public Route routeTensors(String model, Integer version, String project) {
        return version == null ? served.routeChampion(model, project, true)
                : Route.of(served.acquireVersion(model, version, project));
    }

    /**
     * Runs inputs that are normalised tensors already: during a rollout, the route's other version runs them only
     * if it takes the same input as the answering one.
     *
     * @param api    {@code predict} or {@code infer}, a metric tag
     * @param inputs {@code count} normalised images for the route's answering version
     */
    public Result run(String api, Route route, float[] inputs, int count) {
        return run(api, route, inputs, other -> null, count);
    }

    /**
     * Waits for the answer on the calling thread (a request's worker), which then builds the response itself: the
     * batching thread only completes futures, and the response needs no hop back to a worker.
     *
     * @param api       {@code predict} or {@code infer}, a metric tag
     * @param inputs    {@code count} normalised images for the route's answering version
     * @param inputsFor the same images for another version that takes a different input (its own size or
     *                  normalisation), or null if they cannot be made
     * @throws RuntimeException the forward pass's own failure, as it was thrown on the batching thread
     */
    public Result run(String api, Route route, float[] inputs, Function<ServedVersion, float[]> inputsFor, int count) {
        refuseOnEventLoop();
        return join(submit(api, route, inputs, inputsFor, count));
    }

    /**
     * Waits for a {@link #submit} answer on the calling thread; a failure is the forward pass's own exception, so the
     * error mappers answer as they would had it been thrown on the request's thread.
     */
    public static Result await(CompletableFuture<Result> answer) {
        refuseOnEventLoop();
        return join(answer);
    }

    private static Result join(CompletableFuture<Result> answer) {
        try {
            return answer.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException failure ? failure : e;
        }
    }

    private static void refuseOnEventLoop() {
        if (Context.isOnEventLoopThread()) {
            // The pass may be waiting for this very loop's turn to end (DynamicBatcher.runPassesOnCallerLoops).
            throw new IllegalStateException("a prediction's answer is awaited on an event loop: chain on it instead");
        }
    }

    /**
     * As {@link #run} without waiting: the answer completes on the batching thread, counted and timed, failed with
     * the forward pass's own exception.
     */
    public CompletableFuture<Result> submit(String api, Route route, float[] inputs,
            Function<ServedVersion, float[]> inputsFor, int count) {
        long started = System.nanoTime();
        CompletableFuture<Result> answer;
        if (route.tally() == null) {
            try {
                answer = route.answering().batcher().submit(inputs, count)
                        .thenApply(probabilities -> new Result(route.answering(), probabilities, count));
            } catch (RuntimeException e) {
                route.answering().release();
                throw e;
            }
            answer.whenComplete((result, failure) -> route.answering().release());
        } else {
            answer = runRollout(route, inputs, otherInputs(route, inputs, inputsFor), count);
        }
        String model = route.answering().model();
        return answer.whenComplete((result, failure) -> {
            count(model, api, failure == null ? "ok" : "error");
            durations.computeIfAbsent(new Tags(model, api, null),
                    key -> Timer.builder("kiln.inference.request.duration")
                            .description("From queueing to the answer, per request").tags("model", model, "api", api)
                            .publishPercentileHistogram().register(metrics))
                    .record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        });
    }

    /**
     * The request's images for the route's other version: the answering version's inputs when both take the same,
     * else made for it; null, with its lease given back, when there is no other version or they cannot be made.
     */
    private static float[] otherInputs(Route route, float[] inputs, Function<ServedVersion, float[]> inputsFor) {
        ServedVersion other = route.other();
        if (other == null) {
            return null;
        }
        float[] made = null;
        if (other.classifier().transform().equals(route.answering().classifier().transform())) {
            made = inputs;
        } else {
            try {
                made = inputsFor.apply(other);
            } catch (RuntimeException e) {
                // Images this version cannot take: the request runs on the answering version alone.
            } catch (Error e) {
                route.release();
                throw e;
            }
        }
        if (made == null) {
            other.release();
        }
        return made;
    }

    /**
     * Runs a request on both versions of a rollout (or on the answering one alone when {@code otherInputs} is null),
     * tallies the new version where it ran, and answers with the route's answering version, or with the other one
     * where the new version failed.
     */
    private CompletableFuture<Result> runRollout(Route route, float[] inputs, float[] otherInputs, int count) {
        long started = System.nanoTime();
        CompletableFuture<float[]> answering = forward(route.answering(), inputs, count);
        CompletableFuture<float[]> other = otherInputs == null ? null : forward(route.other(), otherInputs, count);
        CompletableFuture<float[]> candidate = route.candidate() ? answering : other;
        if (candidate == null) {
            // A shadow whose new version could not take the images: nothing to tally.
            return answering.thenApply(p -> new Result(route.answering(), p, count));
        }
        candidate.whenComplete((probabilities, failure) ->
                route.tally().answered((System.nanoTime() - started) / 1e6, failure != null));
        if (other != null && route.comparable()) {
            int classes = route.answering().classifier().classes().size();
            CompletableFuture<float[]> baseline = route.candidate() ? other : answering;
            candidate.thenAcceptBoth(baseline, (fresh, replaced) ->
                    route.tally().compared(fresh, replaced, count, classes));
        }
        CompletableFuture<Result> answer = answering.thenApply(p -> new Result(route.answering(), p, count));
        if (other == null || !route.candidate() || !route.comparable()) {
            return answer;
        }
        // The new version failed this request: the version it replaces, which ran it too, answers.
        return answer.exceptionallyCompose(failure -> other.thenApply(p -> new Result(route.other(), p, count)));
    }

    /** Queues the inputs on the version and gives its lease back when they are done; a refusal fails the future. */
    private static CompletableFuture<float[]> forward(ServedVersion version, float[] inputs, int count) {
        CompletableFuture<float[]> probabilities;
        try {
            probabilities = version.batcher().submit(inputs, count);
        } catch (RuntimeException e) {
            probabilities = CompletableFuture.failedFuture(e);
        }
        probabilities.whenComplete((p, failure) -> version.release());
        return probabilities;
    }

    /** Counts a request that ended before it reached a model (bad input, unknown model). */
    public void count(String model, String api, String outcome) {
        requests.computeIfAbsent(new Tags(model, api, outcome), key -> Counter.builder("kiln.inference.requests")
                .description("Prediction requests by outcome").tags("model", model, "api", api, "outcome", outcome)
                .register(metrics)).increment();
    }
}
