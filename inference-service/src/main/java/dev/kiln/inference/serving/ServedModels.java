package dev.kiln.inference.serving;

import ai.djl.Device;
import dev.kiln.artifacts.ArtifactStore;
import dev.kiln.contracts.models.ModelServingEventV1;
import dev.kiln.contracts.models.RolloutPolicy;
import dev.kiln.inference.rollouts.RolloutTallies;
import dev.kiln.inference.rollouts.RolloutTally;
import dev.kiln.store.faults.StoreFaults;
import dev.kiln.store.registry.ModelRegistryRepository;
import dev.kiln.store.registry.ModelRegistryRepository.AliasTarget;
import dev.kiln.store.registry.ModelRegistryRepository.ModelVersion;
import dev.kiln.store.registry.ModelRegistryRepository.RegisteredModel;
import dev.kiln.store.rollouts.RolloutRepository;
import dev.kiln.store.rollouts.RolloutRepository.Rollout;
import dev.kiln.vision.engine.Devices;
import dev.kiln.vision.engine.DjlRuntime;
import dev.kiln.vision.serving.Classifier;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * What this replica serves: the champion of every registered model, plus a few versions requests pinned, and while a
 * champion rolls out (a RUNNING rollout in the registry) the version it replaces, its baseline, which answers the
 * requests the rollout does not give the new version and is the way back if it is rolled back.
 * Champions are loaded at start-up and whenever the registry's champion differs from the served one (told by
 * a promotion event, checked again on a timer). A new version is fetched, verified, built and warmed up
 * while the old one keeps answering, then swapped in with one map write; the old one drains and is freed.
 * All loading runs on one thread, so two loads never compete for memory.
 */
@ApplicationScoped
public class ServedModels {

    private static final Logger LOG = Logger.getLogger(ServedModels.class);
    /** How long a pinned version that failed to load answers that failure before it is tried again. */
    private static final Duration PINNED_RETRY_AFTER = Duration.ofSeconds(30);

    private final ModelRegistryRepository registry;
    private final ArtifactStore artifacts;
    private final ServingEvents events;
    private final MeterRegistry metrics;
    private final InferenceConfig config;
    private final ModelLoader loader;
    private final ExecutorService loading = Executors.newSingleThreadExecutor(r -> new Thread(r, "model-loader"));
    /** Frees the versions whose last lease ended on an event loop: at once, not after a load in progress. */
    private final ExecutorService freeing = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "model-freeing");
        thread.setDaemon(true);
        return thread;
    });
    private final RolloutRepository rollouts;
    private final RolloutTallies tallies;
    private final Map<String, ServedVersion> champions = new ConcurrentHashMap<>();
    /** The version each model's rolling-out champion replaces, kept loaded until the rollout ends. */
    private final Map<String, ServedVersion> baselines = new ConcurrentHashMap<>();
    /** The rollout each model is under, as this replica follows it: set once both of its versions are served. */
    private final Map<String, Plan> plans = new ConcurrentHashMap<>();
    /** Pinned versions by "model@version", least recently used first. Guarded by itself. */
    private final LinkedHashMap<String, CompletableFuture<ServedVersion>> pinned = new LinkedHashMap<>(16, 0.75f, true);
    /** The last failure per model, "model@version#sha256" -> reason, so the timer does not retry it in a loop. */
    private final Map<String, String> failed = new ConcurrentHashMap<>();
    /** Pinned versions ({@code model@version}) whose checkpoint failed to load, and when: retried after a while. */
    private final Map<String, PinnedFailure> pinnedFailures = new ConcurrentHashMap<>();
    private final AtomicInteger resident = new AtomicInteger();
    private final Map<String, DistributionSummary> batchSizes = new ConcurrentHashMap<>();
    private volatile Set<String> unservedChampions = Set.of();
    /** Models whose predictions anyone may use, to their project, as the registry said at the last reconcile. */
    private volatile Map<String, String> publicModels = Map.of();
    private volatile boolean readRegistryOnce;

    /**
     * A rollout this replica follows: the step's tally; whether both versions have the same classes (their answers
     * can be compared, and one can stand in for the other); whether they take the same input tensors.
     */
    private record Plan(Rollout rollout, RolloutTally tally, boolean comparable, boolean sameInput) {
    }

    /** The registry's champions and rollouts under way, read in one transaction. */
    private record PinnedFailure(Instant at, String message) {
    }

    private record RegistryState(List<AliasTarget> champions, Map<String, Rollout> rollouts) {
    }

    public ServedModels(ModelRegistryRepository registry, RolloutRepository rollouts, RolloutTallies tallies,
            ArtifactStore artifacts, ServingEvents events, MeterRegistry metrics, InferenceConfig config) {
        this.registry = registry;
        this.rollouts = rollouts;
        this.tallies = tallies;
        this.artifacts = artifacts;
        this.events = events;
        this.metrics = metrics;
        this.config = config;
        if (config.intraOpThreads() > 0) {
            // Before any model loads: each batching thread takes it at its first pass.
            DjlRuntime.intraOpThreads(config.intraOpThreads());
        }
        Device device = Devices.resolve(config.device());
        this.loader = new ModelLoader(device, config.forwardEngine(), config.batching().limits(),
                new ModelLoader.EventLoopPasses(config.batching().eventLoopPassLimit(), ServedModels::callerEventLoop),
                this::free);
        Gauge.builder("kiln.inference.versions.resident", resident, AtomicInteger::get)
                .description("Model versions in memory, draining ones included").register(metrics);
    }

    void onStart(@Observes StartupEvent start) {
        loading.execute(() -> reconcile(Set.of()));
    }

    void onStop(@Observes ShutdownEvent stop) {
        loading.shutdownNow();
        freeing.shutdown();
    }

    @Scheduled(every = "${kiln.inference.reconcile-interval:30s}", delayed = "${kiln.inference.reconcile-interval:30s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void reconcileOnTimer() {
        loading.execute(() -> reconcile(Set.of()));
    }

    /**
     * A promotion or a rollout step of this model was announced: serve the registry's champion and follow its rollout,
     * retrying even a version that failed.
     */
    public void changeAnnounced(String model) {
        loading.execute(() -> reconcile(Set.of(model)));
    }

    /**
     * The champion of the project's model, leased to the caller, who must {@link ServedVersion#release()} it.
     * Another project's model is as unknown as one that does not exist.
     */
    public ServedVersion acquireChampion(String model, String project) {
        ServedVersion leased = acquireServedChampion(model, project);
        if (leased == null) {
            throw notServed(model, project);
        }
        return leased;
    }

    /** The champion served here, leased; null when there is none (only the registry can say why). */
    private ServedVersion acquireServedChampion(String model, String project) {
        while (true) {
            ServedVersion current = champions.get(model);
            if (current == null) {
                return null;
            }
            if (!current.project().equals(project)) {
                throw UnknownModelException.model(model);
            }
            if (current.tryAcquire()) {
                return current;
            }
            // Retired between the lookup and the lease: the map already holds its successor.
        }
    }

    /**
     * The versions a champion request runs on, leased to the caller: the champion's; during a rollout the baseline's
     * too, or the baseline's alone for the share of a canary's requests the new version does not answer.
     *
     * @param tensors whether the request's inputs are tensors normalised already (the Open Inference Protocol), which
     *                only versions that take the same input can run: while the rollout's versions do not, such a
     *                request runs on the champion alone
     */
    public Route routeChampion(String model, String project, boolean tensors) {
        Route routed = routeServedChampion(model, project, tensors);
        return routed != null ? routed : Route.of(acquireChampion(model, project));
    }

    /**
     * As {@link #routeChampion} from what this replica serves alone, never blocking (for an I/O thread): null when it
     * serves no champion of the model, where {@link #routeChampion} asks the registry why.
     */
    public Route routeServedChampion(String model, String project, boolean tensors) {
        Plan plan = plans.get(model);
        Route routed = plan == null || (tensors && !plan.sameInput()) ? null : routeRollout(plan, model, project);
        if (routed != null) {
            return routed;
        }
        ServedVersion champion = acquireServedChampion(model, project);
        return champion == null ? null : Route.of(champion);
    }

    /** The rollout's route, or null if its versions are changing under it (the caller falls back to the champion). */
    private Route routeRollout(Plan plan, String model, String project) {
        ServedVersion candidate = champions.get(model);
        ServedVersion baseline = baselines.get(model);
        if (candidate == null || baseline == null || candidate.version() != plan.rollout().candidateVersion()
                || baseline.version() != plan.rollout().baselineVersion()) {
            return null;
        }
        if (!candidate.project().equals(project)) {
            throw UnknownModelException.model(model);
        }
        boolean canary = plan.rollout().policy().mode() == RolloutPolicy.Mode.CANARY;
        if (canary && ThreadLocalRandom.current().nextInt(100) >= plan.rollout().trafficPercent()) {
            return baseline.tryAcquire() ? Route.of(baseline) : null;
        }
        ServedVersion answering = canary ? candidate : baseline;
        ServedVersion other = canary ? baseline : candidate;
        if (!answering.tryAcquire()) {
            return null;
        }
        if (!other.tryAcquire()) {
            answering.release();
            return null;
        }
        return new Route(answering, other, plan.tally(), canary, plan.comparable());
    }

    /**
     * A given version of the project's model, leased to the caller; loaded on first use unless it is the
     * champion.
     */
    public ServedVersion acquireVersion(String model, int version, String project) {
        if (!belongsTo(model, project)) {
            throw UnknownModelException.model(model);
        }
        while (true) {
            ServedVersion champion = champions.get(model);
            if (champion != null && champion.version() == version && champion.tryAcquire()) {
                return champion;
            }
            ServedVersion baseline = baselines.get(model);
            if (baseline != null && baseline.version() == version && baseline.tryAcquire()) {
                return baseline;
            }
            ServedVersion served = pinnedVersion(model, version);
            if (served.tryAcquire()) {
                return served;
            }
        }
    }

    /** The champions served now, by model name. */
    public Collection<ServedVersion> champions() {
        return List.copyOf(champions.values());
    }

    /** True once a round read the registry and loaded its champions, and every one of them has a version serving. */
    public boolean ready() {
        return readRegistryOnce && unservedChampions.isEmpty();
    }

    /**
     * Whether the model is the project's, asked before anything is loaded for a caller: a version of it served
     * here says (its champion, or a pinned version), else the registry.
     */
    private boolean belongsTo(String model, String project) {
        ServedVersion champion = champions.get(model);
        if (champion != null) {
            return champion.project().equals(project);
        }
        synchronized (pinned) {
            for (var entry : pinned.entrySet()) {
                CompletableFuture<ServedVersion> loaded = entry.getValue();
                if (entry.getKey().startsWith(model + "@") && loaded.isDone() && !loaded.isCompletedExceptionally()) {
                    return loaded.join().project().equals(project);
                }
            }
        }
        RegisteredModel registered = QuarkusTransaction.requiringNew().call(() -> registry.find(model));
        return registered != null && registered.project().equals(project);
    }

    /**
     * The project of the model if anyone may use its predictions (a model with a champion whose registry entry
     * says so at this replica's last reconcile); empty when they are kept to its project's callers.
     */
    public Optional<String> publicPredictionProject(String model) {
        return Optional.ofNullable(publicModels.get(model));
    }

    /** Models whose champion this replica cannot serve, for the readiness check. */
    public Set<String> unservedChampions() {
        return unservedChampions;
    }

    private void reconcile(Set<String> retryFailures) {
        List<AliasTarget> targets;
        Map<String, Rollout> running;
        try {
            RegistryState state = QuarkusTransaction.requiringNew().call(() -> {
                rollouts.readAsOneSnapshot();
                return new RegistryState(registry.aliasOfEveryModel(ModelRegistryRepository.CHAMPION),
                        rollouts.allRunning().stream().collect(Collectors.toMap(Rollout::model, rollout -> rollout)));
            });
            targets = state.champions();
            running = state.rollouts();
        } catch (RuntimeException e) {
            LOG.warnf("Cannot read the registry's champions, keeping what is served: %s", e.getMessage());
            return;
        }
        publicModels = targets.stream().filter(AliasTarget::publicPrediction)
                .collect(Collectors.toUnmodifiableMap(AliasTarget::model, AliasTarget::project));
        Set<String> unserved = new TreeSet<>();
        for (AliasTarget target : targets) {
            VersionRef ref = new VersionRef(target.model(), target.alias(), target.version(), target.runId(),
                    target.checkpointSha256(), target.project());
            Rollout rollout = running.get(ref.model());
            if (rollout != null && rollout.candidateVersion() != ref.version()) {
                rollout = null;
            }
            if (rollout == null) {
                // Stop routing by a rollout that ended before its versions change.
                plans.remove(ref.model());
                tallies.none(ref.model());
            }
            ServedVersion current = champions.get(ref.model());
            boolean upToDate = current != null && current.version() == ref.version()
                    && current.checkpointSha256().equals(ref.checkpointSha256());
            String attempt = ref.model() + "@" + ref.version() + "#" + ref.checkpointSha256();
            if (!upToDate && (retryFailures.contains(ref.model()) || !failed.containsKey(attempt))) {
                try {
                    if (rollout != null && (current == null || current.version() != rollout.baselineVersion())) {
                        // The baseline first: the new version never answers alone what the rollout shares.
                        loadBaselineFirst(ref, rollout);
                    }
                    swapIn(keptBaselineOrLoad(ref), rollout);
                    failed.remove(attempt);
                } catch (ModelLoadException e) {
                    // A store that is away is waited out (the next round tries again); a bad file is not.
                    if (!StoreFaults.unavailable(e)) {
                        failed.put(attempt, e.getMessage());
                    }
                    loadFailures(ref.model()).increment();
                    LOG.errorf("Could not load %s, %s: %s", ref, current == null ? "nothing else to serve"
                            : "still serving v" + current.version(), e.getMessage());
                    events.publish(ModelServingEventV1.Type.LOAD_FAILED, ref, e.getMessage());
                }
            }
            follow(ref.model(), rollout);
            if (!champions.containsKey(ref.model())) {
                unserved.add(ref.model());
            }
        }
        unservedChampions = Set.copyOf(unserved);
        // Only a round that read the registry ends the start-up load: one that could not has served nothing yet.
        readRegistryOnce = true;
    }

    private ServedVersion load(VersionRef ref) throws ModelLoadException {
        byte[] content;
        try {
            // The version pins its checkpoint by digest, which is the file's key in the artifact store.
            content = artifacts.read(ref.checkpointSha256());
        } catch (RuntimeException e) {
            throw new ModelLoadException("the checkpoint of " + ref.origin() + " could not be fetched: "
                    + e.getMessage(), e);
        }
        long started = System.nanoTime();
        // When the LOADED event happened: the RETIRED one removes that load's row, not a later load's of the version.
        AtomicReference<Instant> loadedAt = new AtomicReference<>();
        // Both looked up once here, not on every pass.
        DistributionSummary onEventLoop = batchSize(ref.model(), DynamicBatcher.PassThread.EVENT_LOOP);
        DistributionSummary onBatchingThread = batchSize(ref.model(), DynamicBatcher.PassThread.BATCHING);
        ServedVersion served = loader.load(ref, content, (images, thread) ->
                (thread == DynamicBatcher.PassThread.EVENT_LOOP ? onEventLoop : onBatchingThread).record(images),
                released -> {
            resident.decrementAndGet();
            LOG.infof("Released %s v%d after its last request", released.model(), released.version());
            events.retired(ref, loadedAt.get());
        });
        resident.incrementAndGet();
        Classifier classifier = served.classifier();
        LOG.infof("Loaded %s from %s in %d ms (checkpoint SHA-256 %s verified, warmed up), passes on %s%s", ref,
                ref.origin(), (System.nanoTime() - started) / 1_000_000, ref.checkpointSha256(),
                classifier.engine(), classifier.engineFallback().map(why -> " (" + why + ")").orElse(""));
        loadedAt.set(events.publish(ModelServingEventV1.Type.LOADED, ref, null));
        return served;
    }

    /** The baseline kept loaded if the champion returns to it (a rollback), else the version loaded now. */
    private ServedVersion keptBaselineOrLoad(VersionRef ref) throws ModelLoadException {
        ServedVersion kept = baselines.get(ref.model());
        if (kept != null && kept.version() == ref.version() && kept.checkpointSha256().equals(ref.checkpointSha256())
                && baselines.remove(ref.model(), kept)) {
            LOG.infof("%s returns to v%d, kept loaded as the rollout's baseline", ref.model(), ref.version());
            return kept;
        }
        return load(ref);
    }

    /**
     * Routes the model's requests by its rollout under way once its new version is the champion here: loads the
     * baseline if this replica does not serve it yet (it started during the rollout). Without a rollout, the baseline
     * kept for one is retired.
     */
    private void follow(String model, Rollout rollout) {
        if (rollout == null) {
            ServedVersion baseline = baselines.remove(model);
            if (baseline != null) {
                LOG.infof("%s: the rollout ended; v%d, its baseline, is retired", model, baseline.version());
                baseline.retire();
            }
            return;
        }
        ServedVersion candidate = champions.get(model);
        if (candidate == null || candidate.version() != rollout.candidateVersion()) {
            plans.remove(model);
            return;
        }
        ServedVersion baseline;
        try {
            baseline = ensureBaseline(model, candidate.project(), rollout);
        } catch (ModelLoadException | RuntimeException e) {
            plans.remove(model);
            LOG.errorf("Cannot load v%d of %s, the baseline of its rollout; v%d answers every request: %s",
                    rollout.baselineVersion(), model, candidate.version(), e.getMessage());
            return;
        }
        Plan plan = new Plan(rollout, tallies.at(model, rollout.id(), rollout.step()),
                candidate.classifier().classes().equals(baseline.classifier().classes()),
                candidate.classifier().transform().equals(baseline.classifier().transform()));
        Plan before = plans.put(model, plan);
        if (before == null || before.rollout().step() != rollout.step() || !before.rollout().id().equals(rollout.id())) {
            LOG.infof("%s: rollout of v%d against v%d at step %d (%s, %d%% of the requests to v%d)%s", model,
                    rollout.candidateVersion(), rollout.baselineVersion(), rollout.step(), rollout.policy().mode(),
                    rollout.trafficPercent(), rollout.candidateVersion(), plan.comparable() ? ""
                            : "; the versions have different classes: their answers are not compared");
        }
    }

    private void loadBaselineFirst(VersionRef candidate, Rollout rollout) {
        try {
            ensureBaseline(candidate.model(), candidate.project(), rollout);
        } catch (ModelLoadException | RuntimeException e) {
            LOG.errorf("Cannot load v%d of %s, the baseline of its rollout; v%d will answer every request: %s",
                    rollout.baselineVersion(), candidate.model(), candidate.version(), e.getMessage());
        }
    }

    /** The rollout's baseline, kept loaded: the one served already, or loaded now (a replica started mid-rollout). */
    private ServedVersion ensureBaseline(String model, String project, Rollout rollout) throws ModelLoadException {
        ServedVersion kept = baselines.get(model);
        if (kept != null && kept.version() == rollout.baselineVersion()) {
            return kept;
        }
        ModelVersion found = QuarkusTransaction.requiringNew().call(() ->
                registry.findVersion(model, rollout.baselineVersion()));
        if (found == null) {
            throw new ModelLoadException("the registry has no v" + rollout.baselineVersion() + " of " + model);
        }
        ServedVersion loaded = load(new VersionRef(model, ModelRegistryRepository.CHAMPION, found.version(),
                found.runId(), found.checkpointSha256(), project));
        ServedVersion replaced = baselines.put(model, loaded);
        if (replaced != null) {
            replaced.retire();
        }
        return loaded;
    }

    /**
     * Makes {@code next} the model's champion. The one it replaces is retired, unless it is the baseline of the
     * rollout {@code next} is under: then it is kept to answer the rollout's other requests.
     */
    private void swapIn(ServedVersion next, Rollout rollout) {
        ServedVersion previous = champions.put(next.model(), next);
        if (previous == null) {
            Gauge.builder("kiln.inference.model.version", champions, served -> versionOf(served, next.model()))
                    .description("The champion version each model is served at").tag("model", next.model())
                    .register(metrics);
        } else {
            Counter.builder("kiln.inference.swaps").description("Champions replaced by a newly loaded version")
                    .tag("model", next.model()).register(metrics).increment();
            if (rollout != null && previous.version() == rollout.baselineVersion()) {
                LOG.infof("Swapped %s v%d -> v%d; v%d stays loaded as the baseline of its %s", next.model(),
                        previous.version(), next.version(), previous.version(), rollout.policy().mode());
                ServedVersion replaced = baselines.put(next.model(), previous);
                if (replaced != null && replaced != previous) {
                    replaced.retire();
                }
                return;
            }
            LOG.infof("Swapped %s v%d -> v%d; v%d finishes %d in-flight request(s), then is released", next.model(),
                    previous.version(), next.version(), previous.version(), previous.inFlight());
            previous.retire();
        }
    }

    private Counter loadFailures(String model) {
        return Counter.builder("kiln.inference.load.failures")
                .description("Versions that failed to fetch, verify, build or warm up").tag("model", model)
                .register(metrics);
    }

    private static double versionOf(Map<String, ServedVersion> champions, String model) {
        ServedVersion served = champions.get(model);
        return served == null ? Double.NaN : served.version();
    }

    /**
     * Frees a released version on the thread that gave back its last lease, unless that is an event loop (a request's
     * last pass): then on a thread of its own, so the loop's other connections never wait for the batcher's threads to
     * end and the native memory to be freed.
     */
    void free(Runnable release) {
        Runnable logged = () -> {
            try {
                release.run();
            } catch (RuntimeException e) {
                LOG.errorf(e, "Could not free a released model version");
            }
        };
        if (Context.isOnEventLoopThread()) {
            try {
                freeing.execute(logged);
                return;
            } catch (RejectedExecutionException stopping) {
                // The replica is stopping: freed here.
            }
        }
        logged.run();
    }

    /** The calling Vert.x event loop, in the caller's own context (a request's), or null off the event loops. */
    private static Executor callerEventLoop() {
        Context context = Context.isOnEventLoopThread() ? Vertx.currentContext() : null;
        return context == null || !context.isEventLoopContext() ? null
                : task -> context.runOnContext(ignored -> task.run());
    }

    private DistributionSummary batchSize(String model, DynamicBatcher.PassThread thread) {
        return batchSizes.computeIfAbsent(model + "|" + thread.tag(), key -> DistributionSummary.builder(
                        "kiln.inference.batch.size").description("Images per forward pass, by the thread it ran on")
                .tags("model", model, "thread", thread.tag()).publishPercentileHistogram()
                .minimumExpectedValue(1.0).maximumExpectedValue((double) Math.max(2, config.batching().maxBatchSize()))
                .register(metrics));
    }

    private ServedVersion pinnedVersion(String model, int version) {
        String key = model + "@" + version;
        PinnedFailure failure = pinnedFailures.get(key);
        if (failure != null && failure.at().isAfter(Instant.now().minus(PINNED_RETRY_AFTER))) {
            // A broken checkpoint is not fetched, verified and built again on every request, on the loading thread
            // that champion swaps wait for.
            throw new ModelUnavailableException(failure.message() + " (a try " + Duration.between(failure.at(),
                    Instant.now()).toSeconds() + " s ago; tried again after " + PINNED_RETRY_AFTER.toSeconds() + " s)");
        }
        CompletableFuture<ServedVersion> future;
        synchronized (pinned) {
            future = pinned.get(key);
            if (future == null || future.isCompletedExceptionally()) {
                future = CompletableFuture.supplyAsync(() -> loadPinned(model, version), loading);
                pinned.put(key, future);
                evictPinnedBeyond(config.pinnedVersions());
            }
        }
        try {
            return future.get();
        } catch (ExecutionException e) {
            synchronized (pinned) {
                pinned.remove(key, future);
            }
            throw e.getCause() instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelUnavailableException("interrupted while loading " + key);
        }
    }

    /**
     * A registered version of the project's model as the registry has it, served or not.
     *
     * @throws UnknownModelException naming the model (unknown, or another project's) or the version the registry
     *                               does not have
     */
    public ModelVersion registeredVersion(String model, int version, String project) {
        return QuarkusTransaction.requiringNew().call(() -> {
            if (registry.findInProject(model, project) == null) {
                throw UnknownModelException.model(model);
            }
            ModelVersion found = registry.findVersion(model, version);
            if (found == null) {
                throw UnknownModelException.version(model, version);
            }
            return found;
        });
    }

    private ServedVersion loadPinned(String model, int version) {
        RegisteredModel registered = QuarkusTransaction.requiringNew().call(() -> registry.find(model));
        if (registered == null) {
            throw UnknownModelException.model(model);
        }
        ModelVersion found = registeredVersion(model, version, registered.project());
        VersionRef ref = new VersionRef(model, null, version, found.runId(), found.checkpointSha256(),
                registered.project());
        String key = model + "@" + version;
        try {
            ServedVersion loaded = load(ref);
            pinnedFailures.remove(key);
            return loaded;
        } catch (ModelLoadException e) {
            loadFailures(model).increment();
            LOG.errorf("Could not load pinned %s: %s", ref, e.getMessage());
            events.publish(ModelServingEventV1.Type.LOAD_FAILED, ref, e.getMessage());
            String message = "model '" + model + "' version " + version + " cannot be served: " + e.getMessage();
            if (!StoreFaults.unavailable(e)) {
                // A store that is away is waited out by the next request; a bad file is remembered for a while.
                pinnedFailures.put(key, new PinnedFailure(Instant.now(), message));
            }
            throw new ModelUnavailableException(message);
        }
    }

    private void evictPinnedBeyond(int limit) {
        List<CompletableFuture<ServedVersion>> evicted = new ArrayList<>();
        var entries = pinned.entrySet().iterator();
        while (pinned.size() - evicted.size() > limit && entries.hasNext()) {
            evicted.add(entries.next().getValue());
            entries.remove();
        }
        evicted.forEach(future -> future.thenAccept(ServedVersion::retire));
    }

    private RuntimeException notServed(String model, String project) {
        AliasTarget champion = QuarkusTransaction.requiringNew().call(() ->
                registry.alias(model, ModelRegistryRepository.CHAMPION));
        if (champion != null && !champion.project().equals(project)) {
            return UnknownModelException.model(model);
        }
        if (champion == null) {
            boolean known = QuarkusTransaction.requiringNew().call(() -> registry.findInProject(model, project))
                    != null;
            return known ? new UnknownModelException("model '" + model + "' has no champion yet; promote a version"
                    + " first") : UnknownModelException.model(model);
        }
        String failure = failed.get(model + "@" + champion.version() + "#" + champion.checkpointSha256());
        return new ModelUnavailableException("model '" + model + "' champion v" + champion.version()
                + (failure == null ? " is still loading on this replica" : " could not be loaded: " + failure));
    }
}
