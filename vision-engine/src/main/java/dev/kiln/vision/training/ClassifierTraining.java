package dev.kiln.vision.training;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.util.Pair;
import dev.kiln.contracts.architectures.ArchitectureSummary;
import dev.kiln.contracts.architectures.ShapeInference;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.runs.AugmentationSpec;
import dev.kiln.contracts.runs.EpochMetrics;
import dev.kiln.contracts.runs.EvaluationReport;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.vision.checkpoints.Checkpoint;
import dev.kiln.vision.checkpoints.CheckpointException;
import dev.kiln.vision.checkpoints.CheckpointManifest;
import dev.kiln.vision.checkpoints.EvalTransform;
import dev.kiln.vision.checkpoints.ResumeState;
import dev.kiln.vision.datasets.ImageSet;
import dev.kiln.vision.engine.Devices;
import dev.kiln.vision.engine.DjlRuntime;
import dev.kiln.vision.engine.EngineInfo;
import dev.kiln.vision.evaluation.Evaluator;
import dev.kiln.vision.evaluation.MisclassifiedCollector;
import dev.kiln.vision.imports.TorchScriptModule;
import dev.kiln.vision.models.Initialization;
import dev.kiln.vision.models.MemoryFormat;
import dev.kiln.vision.models.ModelRegistry;
import dev.kiln.vision.pipeline.AugmentationSettings;
import dev.kiln.vision.pipeline.BatchAugmenter;
import dev.kiln.vision.pipeline.DataSplit;
import dev.kiln.vision.pipeline.ImageBatches;
import dev.kiln.vision.pipeline.Normalization;
import dev.kiln.vision.pipeline.Permutation;
import dev.kiln.vision.pipeline.TrainTestData;
import dev.kiln.vision.samples.BatchSample;
import dev.kiln.vision.samples.FirstBatchSampler;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The training loop: one spec, one data set, one device. Each epoch reseeds every generator from
 * (seed, epoch), trains on shuffled (and augmented) batches, validates, then hands the epoch to the
 * listeners, which record, checkpoint or stop. The result's weights are those of the epoch with the lowest
 * validation loss, reloaded from its checkpoint for the test evaluation, as serving would load them.
 */
public final class ClassifierTraining {

    /**
     * Images per evaluation pass. Every intermediate result of a forward pass stays in the batch's manager until the
     * batch closes, so memory grows with it: at 500, ResNet-18 on 28x28 images held over 3 GB for a moment.
     */
    private static final int EVALUATION_BATCH = 100;

    private final TrainingSpec spec;
    private final TrainTestData data;
    private final Device device;
    private final List<EpochListener> listeners = new ArrayList<>();
    private BooleanSupplier cancelled = () -> false;
    private Checkpoint resumeFrom;
    private Checkpoint base;
    private Consumer<BatchSample> batchSampled;

    /** @param spec a valid spec; its defaults are filled here */
    public ClassifierTraining(TrainingSpec spec, TrainTestData data, Device device) {
        this.spec = spec.withDefaults();
        this.data = this.spec.imageSize() == null ? data : data.resized(this.spec.imageSize());
        this.device = device;
        if (this.spec.earlyStopping() != null) {
            listeners.add(new EarlyStopping(this.spec.earlyStopping().patience()));
        }
    }

    public ClassifierTraining listener(EpochListener listener) {
        listeners.add(listener);
        return this;
    }

    /**
     * Samples the first training batch of a fresh run (never of a resumed one): its first
     * {@link BatchSample#IMAGES} images, as stored and as the network gets them, handed to {@code sampled} on the
     * training thread as that batch is trained, long before the first epoch ends (where a listener can record it).
     */
    public ClassifierTraining sampleFirstBatch(Consumer<BatchSample> sampled) {
        this.batchSampled = sampled;
        return this;
    }

    /** Checked before every batch: a cancelled run stops within one batch. */
    public ClassifierTraining cancelWhen(BooleanSupplier cancelled) {
        this.cancelled = cancelled;
        return this;
    }

    /**
     * Continues from a checkpoint's resume state instead of starting at epoch 1. The spec must be the one
     * the checkpoint was trained with; only {@code epochs} may differ (to train further). A checkpoint of every
     * epoch (a worker killed after its last epoch, before the run's result was recorded) goes straight to the
     * evaluation, and ends with the result the uninterrupted training had.
     */
    public ClassifierTraining resumeFrom(Checkpoint checkpoint) {
        if (checkpoint.resume() == null) {
            throw new IllegalArgumentException("the checkpoint holds no resume state (an inference-only checkpoint)");
        }
        TrainingSpec trained = checkpoint.manifest().spec();
        if (!sameExceptEpochs(trained, spec)) {
            throw new IllegalArgumentException("the checkpoint was trained with another spec: " + Json.write(trained));
        }
        if (checkpoint.resume().history().size() > spec.epochs()) {
            throw new IllegalArgumentException("the checkpoint already has " + checkpoint.resume().history().size()
                    + " epochs, more than the spec's " + spec.epochs() + "; raise epochs above that to train further");
        }
        this.resumeFrom = checkpoint;
        return this;
    }

    /** The spec's registry architecture for these images, freshly initialised. */
    private Block newNetwork(ImageSet train) {
        Block block = ModelRegistry.build(spec.model(), spec.modelArgs(), train.channels(), train.height(),
                train.width(), data.train().classes().size());
        Initialization.apply(block);
        return block;
    }

    /**
     * Sets this thread's intra-op count for the training ({@link IntraOpThreads}): an imported module, which has no
     * copy to measure, and a network of unknown size train on every core.
     */
    private void applyIntraOpThreads(boolean imported, ArchitectureSummary summary, ImageSet train,
            MemoryFormat format) {
        if (imported || summary == null) {
            IntraOpThreads.applyAll();
            return;
        }
        Shape batch = new Shape(spec.batchSize(), train.channels(), train.height(), train.width());
        String shape = spec.model().label() + Json.write(spec.modelArgs()) + batch + "->" + data.train().classes().size();
        IntraOpThreads.apply(shape, summary.multiplyAdds() * spec.batchSize(), batch, data.train().classes().size(),
                format, () -> newNetwork(train));
    }

    private static boolean sameExceptEpochs(TrainingSpec a, TrainingSpec b) {
        return Json.write(withEpochs(a)).equals(Json.write(withEpochs(b)));
    }

    private static TrainingSpec withEpochs(TrainingSpec s) {
        return new TrainingSpec(s.dataset(), s.model(), s.modelArgs(), 0, s.batchSize(), s.validationSplit(),
                s.optimizer(), s.learningRate(), s.momentum(), s.nesterov(), s.weightDecay(), s.schedule(),
                s.earlyStopping(), s.augmentation(), s.normalization(), s.labelSmoothing(), s.mixupAlpha(),
                s.gradClipNorm(), s.seed(), s.imageSize(), s.data(), s.init());
    }

    /**
     * Starts from this trained model's weights (the spec's {@code init}, pinned to it) rather than random ones;
     * a run that resumes has them in its own checkpoint already and needs no base.
     */
    public ClassifierTraining startFrom(Checkpoint baseModel) {
        if (spec.init() == null) {
            throw new IllegalArgumentException("the spec has no init: nothing to start from");
        }
        this.base = baseModel;
        return this;
    }

    public TrainingSpec spec() {
        return spec;
    }

    /** The order in memory this training, its validation and its test evaluation hand the network its batches in. */
    public MemoryFormat memoryFormat() {
        return MemoryFormat.forModel(spec.model(), this::summary, device);
    }

    /** The spec's architecture, layer by layer, for the training images (not for an imported module). */
    private ArchitectureSummary summary() {
        ImageSet train = data.train();
        return ShapeInference.summarize(spec.model(), spec.modelArgs(), train.channels(), train.height(),
                train.width(), train.classes().size());
    }

    public TrainingResult run() {
        EngineInfo engine = DjlRuntime.start();
        DjlRuntime.prepareThread();
        long started = System.nanoTime();
        DataSplit split = DataSplit.of(data.train(), spec.validationSplit(), spec.seed());
        ImageSet train = split.kept();
        ImageSet validation = split.heldOut();
        // An imported model is its base's module, normalised as the base's manifest says.
        boolean imported = spec.model().isTorchScript();
        Checkpoint module = resumeFrom != null ? resumeFrom : base;
        if (imported && module == null) {
            throw new IllegalArgumentException("the spec fine-tunes an imported model (init), but none was given");
        }
        Normalization normalization = imported ? Normalization.of(module.manifest().evalTransform())
                : Normalization.of(spec.normalization(), train);
        // The summary's shape inference needs no model: it names the layers that freezing and manifests refer to.
        ArchitectureSummary summary = imported ? spec.summary() : summary();
        MemoryFormat format = memoryFormat();
        if (!device.isGpu()) {
            // Before the seed: measuring the thread counts builds and trains a copy of the network.
            applyIntraOpThreads(imported, summary, train, format);
        }
        Engine.getEngine(DjlRuntime.ENGINE).setRandomSeed(Long.hashCode(spec.seed()));
        KilnOptimizer optimizer = new KilnOptimizer(spec.optimizer(), spec.learningRate(), spec.momentum(),
                spec.nesterov(), spec.weightDecay());
        try (Model model = Model.newInstance(spec.model().label(), device, DjlRuntime.ENGINE)) {
            Block block;
            if (imported) {
                block = TorchScriptModule.trainable(module, model.getNDManager());
            } else {
                block = newNetwork(train);
            }
            model.setBlock(block);
            if (resumeFrom != null && !imported) {
                // Before the trainer exists: its parameter store must see the restored arrays.
                resumeFrom.loadParametersInto(block, model.getNDManager());
            }
            // The trainer runs forward passes and collects gradients; Kiln's optimizer applies them.
            DefaultTrainingConfig config = new DefaultTrainingConfig(new SoftTargetLoss())
                    .optDevices(new Device[] {device});
            try (Trainer trainer = model.newTrainer(config);
                    ImageBatches trainBatches = new ImageBatches(train, normalization, model.getNDManager(), device);
                    ImageBatches validationBatches = new ImageBatches(validation, normalization, model.getNDManager(), device);
                    ImageBatches testBatches = new ImageBatches(data.test(), normalization, model.getNDManager(), device)) {
                trainer.initialize(new Shape(1, train.channels(), train.height(), train.width()));
                optimizer.bind(block.getParameters());
                FineTuning fineTuning = spec.init() == null ? null
                        : fineTuning(summary, block, model.getNDManager(), optimizer);
                Loop loop = new Loop(model, trainer, optimizer, normalization, engine, summary, format, trainBatches,
                        validationBatches, fineTuning);
                if (resumeFrom != null) {
                    loop.restore(resumeFrom);
                } else if (batchSampled != null) {
                    loop.sampler = new FirstBatchSampler(train, split.keptIndices(), normalization, batchSampled);
                }
                return loop.run(testBatches, started);
            }
        } catch (CheckpointException e) {
            throw new IllegalArgumentException("cannot resume: " + e.getMessage(), e);
        }
    }

    private FineTuning fineTuning(ArchitectureSummary summary, Block block, NDManager manager,
            KilnOptimizer optimizer) {
        FineTuning fineTuning = new FineTuning(spec, summary, block);
        if (resumeFrom == null && !(block instanceof TorchScriptModule)) {
            if (base == null) {
                throw new IllegalArgumentException("the spec starts from a base model (init), but none was given");
            }
            fineTuning.loadBase(base, block, manager);
        }
        fineTuning.scaleHeadRate(optimizer, spec.learningRate());
        return fineTuning;
    }

    /** The state of one run of the loop. */
    private final class Loop implements EpochControl {
        private final Model model;
        private final Trainer trainer;
        private final KilnOptimizer optimizer;
        private final Normalization normalization;
        private final EngineInfo engine;
        private final ArchitectureSummary summary;
        private final MemoryFormat format;
        private final ImageBatches train;
        private final ImageBatches validation;
        private final LearningRateSchedule schedule;
        private final FineTuning fineTuning;
        private final List<EpochMetrics> history = new ArrayList<>();
        private BestEpoch best = new BestEpoch();
        private byte[] bestParameters;
        private String stopReason;
        private EpochMetrics current;
        /** Takes the next batch's sample, then is dropped: set only at the start of a fresh run. */
        private FirstBatchSampler sampler;

        Loop(Model model, Trainer trainer, KilnOptimizer optimizer, Normalization normalization, EngineInfo engine,
                ArchitectureSummary summary, MemoryFormat format, ImageBatches train, ImageBatches validation,
                FineTuning fineTuning) {
            this.summary = summary;
            this.format = format;
            this.model = model;
            this.fineTuning = fineTuning;
            this.trainer = trainer;
            this.optimizer = optimizer;
            this.normalization = normalization;
            this.engine = engine;
            this.train = train;
            this.validation = validation;
            this.schedule = new LearningRateSchedule(spec.schedule(), spec.learningRate(), spec.epochs());
        }

        void restore(Checkpoint checkpoint) {
            ResumeState state = checkpoint.resume();
            history.addAll(state.history());
            best = new BestEpoch(state.bestEpoch(), state.bestValidationLoss());
            schedule.restore(state.plateau());
            try (NDManager scratch = model.getNDManager().newSubManager()) {
                optimizer.restore(checkpoint.optimizerState(scratch), state.optimizerSteps(), model.getNDManager());
            }
            bestParameters = checkpoint.bestParameters() != null ? checkpoint.bestParameters() : checkpoint.parameters();
        }

        TrainingResult run(ImageBatches test, long started) {
            String deviceName = Devices.name(device);
            int firstEpoch = history.size() + 1;
            for (int epoch = firstEpoch; epoch <= spec.epochs() && stopReason == null; epoch++) {
                try {
                    current = epoch(epoch);
                } catch (DivergenceException e) {
                    return new TrainingResult(TrainingResult.Outcome.FAILED, e.getMessage(), deviceName,
                            List.copyOf(history), best.epoch(), null, List.of(), bestModel(), seconds(started));
                } catch (CancellationException e) {
                    return new TrainingResult(TrainingResult.Outcome.CANCELLED, "cancelled during epoch " + epoch,
                            deviceName, List.copyOf(history), best.epoch(), null, List.of(), bestModel(), seconds(started));
                }
                history.add(current);
                if (best.offer(epoch, current.validationLoss())) {
                    bestParameters = parameters();
                }
                if (current.validationAccuracy() != null) {
                    schedule.observe(current.validationAccuracy());
                }
                for (EpochListener listener : listeners) {
                    listener.onEpoch(current, this);
                }
            }
            Checkpoint result = bestModel();
            EvaluationReport report;
            MisclassifiedCollector mistakes = new MisclassifiedCollector(data.test(), MisclassifiedCollector.PER_CLASS);
            try (NDManager scope = model.getNDManager().newSubManager()) {
                report = Evaluator.evaluate(result.loadBlock(scope), format, test, data.test().classes(),
                        EVALUATION_BATCH, Math.min(5, data.test().classes().size()), mistakes);
            } catch (CheckpointException e) {
                throw new IllegalStateException("the checkpoint just written does not load", e);
            }
            return new TrainingResult(stopReason == null ? TrainingResult.Outcome.COMPLETED
                    : TrainingResult.Outcome.STOPPED_EARLY, stopReason, deviceName, List.copyOf(history), best.epoch(),
                    report, mistakes.examples(), result, seconds(started));
        }

        private EpochMetrics epoch(int epoch) throws DivergenceException {
            long start = System.nanoTime();
            long pipelineBefore = train.pipelineNanos();
            long seed = epochSeed(epoch);
            Engine.getEngine(DjlRuntime.ENGINE).setRandomSeed(Long.hashCode(seed));
            Random random = new Random(seed);
            double rate = schedule.rateFor(epoch);
            optimizer.setLearningRate(rate);
            if (fineTuning != null) {
                fineTuning.prepareEpoch(epoch);
            }
            AugmentationSpec aug = spec.augmentation();
            AugmentationSettings settings = AugmentationSettings.of(aug);
            BatchAugmenter augmenter = settings.enabled() ? new BatchAugmenter(settings, random) : null;
            int classes = data.train().classes().size();
            int batches = (train.size() + spec.batchSize() - 1) / spec.batchSize();
            double lossSum = 0;
            long correct = 0;
            int seen = 0;
            int index = 0;
            for (ImageBatches.Batch batch : train.epoch(spec.batchSize(), random, augmenter)) {
                try (batch) {
                    if (cancelled.getAsBoolean()) {
                        throw new CancellationException();
                    }
                    if (sampler != null) {
                        sampler.take(batch, augmenter != null);
                        sampler = null;
                    }
                    float[] stats = step(batch, classes, random);
                    if (!Float.isFinite(stats[0])) {
                        throw new DivergenceException("diverged: the training loss became " + stats[0] + " in epoch "
                                + epoch + ", batch " + (index + 1) + " (learning rate " + rate
                                + "); lower learningRate or set gradClipNorm");
                    }
                    lossSum += stats[0] * batch.size();
                    correct += (long) stats[1];
                    seen += batch.size();
                    index++;
                    EpochListener.BatchProgress progress = new EpochListener.BatchProgress(epoch, spec.epochs(), index,
                            batches, lossSum / seen);
                    listeners.forEach(l -> l.onBatch(progress));
                }
            }
            double trainSeconds = (System.nanoTime() - start) / 1e9;
            double pipelineSeconds = (train.pipelineNanos() - pipelineBefore) / 1e9;
            Double validationLoss = null;
            Double validationAccuracy = null;
            if (validation.size() > 0) {
                EvaluationReport report = Evaluator.evaluate(model.getBlock(), format, validation,
                        data.train().classes(), EVALUATION_BATCH, 1);
                validationLoss = report.loss();
                validationAccuracy = report.accuracy();
            }
            return new EpochMetrics(epoch, lossSum / seen, (double) correct / seen, validationLoss, validationAccuracy,
                    rate, seen / trainSeconds, pipelineSeconds > 0 ? seen / pipelineSeconds : 0,
                    (System.nanoTime() - start) / 1e9);
        }

        /** One optimizer step; returns {mean loss, correct predictions}. */
        private float[] step(ImageBatches.Batch batch, int classes, Random random) {
            NDArray images = batch.images();
            NDArray labels = batch.labels();
            boolean hardLabels = spec.labelSmoothing() == 0 && spec.mixupAlpha() == 0;
            NDArray targets = hardLabels ? null : SoftTargetLoss.targets(labels, classes, spec.labelSmoothing());
            if (spec.mixupAlpha() > 0) {
                double lambda = Sampling.symmetricBeta(random, spec.mixupAlpha());
                NDArray order = batch.manager().create(Permutation.of(random, batch.size()));
                images = images.mul(lambda).add(images.get(order).mul(1 - lambda));
                targets = targets.mul(lambda).add(targets.get(order).mul(1 - lambda));
            }
            NDArray softTargets = targets;
            BackwardPass pass = BackwardPass.of(trainer, format.arrange(images), logits -> hardLabels
                    ? SoftTargetLoss.ofLabels(logits, labels)
                    : trainer.getLoss().evaluate(new NDList(softTargets), new NDList(logits)));
            if (spec.gradClipNorm() != null) {
                clipGradients(spec.gradClipNorm());
            }
            optimizer.step();
            return new float[] {pass.loss().getFloat(), correct(pass.logits(), batch)};
        }

        /** Predictions that match the labels: the predicted classes are copied to the host and compared there. */
        private static int correct(NDArray logits, ImageBatches.Batch batch) {
            long[] predicted = logits.argMax(1).toLongArray();
            int correct = 0;
            for (int i = 0; i < predicted.length; i++) {
                if (predicted[i] == batch.label(i)) {
                    correct++;
                }
            }
            return correct;
        }

        /** Scales all gradients together so their global L2 norm is at most maxNorm (torch.nn.utils.clip_grad_norm_). */
        private void clipGradients(double maxNorm) {
            try (NDManager scope = model.getNDManager().newSubManager()) {
                List<NDArray> gradients = new ArrayList<>();
                for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
                    if (p.getValue().requiresGradient()) {
                        // getGradient() returns a new handle each call: owned by the scope, freed with it.
                        NDArray gradient = p.getValue().getArray().getGradient();
                        gradient.attach(scope);
                        gradients.add(gradient);
                    }
                }
                double squares = 0;
                for (NDArray gradient : gradients) {
                    squares += gradient.square().sum().getFloat();
                }
                double norm = Math.sqrt(squares);
                if (norm > maxNorm) {
                    float scale = (float) (maxNorm / (norm + 1e-6));
                    gradients.forEach(g -> g.muli(scale));
                }
            }
        }

        private long epochSeed(int epoch) {
            return spec.seed() * 1_000_003L + epoch;
        }

        private byte[] parameters() {
            return Checkpoint.parametersOf(model.getBlock());
        }

        private Checkpoint bestModel() {
            if (bestParameters == null) {
                return null;
            }
            EpochMetrics metrics = history.get(best.epoch() - 1);
            return new Checkpoint(manifest(bestParameters, best.epoch(), metrics), bestParameters, null, null, null);
        }

        private CheckpointManifest manifest(byte[] parameters, int epoch, EpochMetrics metrics) {
            ImageSet shape = data.train();
            return new CheckpointManifest(CheckpointManifest.FORMAT, spec.model().label(), spec.modelArgs(),
                    shape.classes(), new EvalTransform(shape.channels(), shape.height(), shape.width(),
                            boxed(normalization.mean()), boxed(normalization.std())),
                    epoch, metrics, spec.seed(), Devices.name(device), spec, engine.versions(),
                    Checkpoint.sha256(parameters), Instant.now().toString(), summary);
        }

        @Override
        public boolean isBest() {
            return best.epoch() == current.epoch();
        }

        @Override
        public int epochsSinceBest() {
            return best.epochsSince(current.epoch());
        }

        @Override
        public void stop(String reason) {
            stopReason = reason;
        }

        @Override
        public Checkpoint snapshot() {
            // The best epoch's parameters were just serialised; the current ones are those.
            byte[] parameters = isBest() ? bestParameters : parameters();
            ResumeState state = new ResumeState(List.copyOf(history), best.epoch(), best.loss(),
                    schedule.plateauState(), optimizer.stepCounts());
            return new Checkpoint(manifest(parameters, current.epoch(), current), parameters,
                    optimizer.exportState().encode(), state, isBest() ? null : bestParameters);
        }
    }

    private static List<Float> boxed(float[] values) {
        List<Float> list = new ArrayList<>();
        for (float v : values) {
            list.add(v);
        }
        return list;
    }

    private static double seconds(long started) {
        return (System.nanoTime() - started) / 1e9;
    }

    /** Thrown inside the loop when the run is cancelled; never escapes it. */
    private static final class CancellationException extends RuntimeException {
        CancellationException() {
            super(null, null, false, false);
        }
    }
}
