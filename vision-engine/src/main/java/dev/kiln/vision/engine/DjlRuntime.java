package dev.kiln.vision.engine;

import java.util.concurrent.locks.ReentrantLock;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.Utils;

/**
 * The one entry to DJL's PyTorch engine. It loads the natives from the {@code pytorch-native-*} jar on
 * the classpath and never reaches the network: offline mode and opted-out usage tracking are the
 * defaults (DJL otherwise probes a cloud metadata address at every engine start). A user who wants
 * DJL to download something sets {@code -Doffline=false} explicitly. It also tunes the C library's allocator for
 * PyTorch's tensors ({@link NativeAllocator}).
 */
public final class DjlRuntime {

    public static final String ENGINE = "PyTorch";

    /**
     * DJL's PyTorch engine lets one GradientCollector collect at a time in a process (PtGradientCollector throws for
     * a second): every pass that collects gradients holds this lock, so trainings sharing a worker (kiln.trainer.slots
     * above 1) and saliency maps take turns batch by batch instead of failing.
     */
    public static final ReentrantLock GRADIENTS = new ReentrantLock(true);

    private static EngineInfo info;
    private static int startingIntraOpThreads;

    private DjlRuntime() {
    }

    /** Starts the engine once per process and describes it; later calls return the same answer. */
    public static synchronized EngineInfo start() {
        if (info == null) {
            defaultProperty("offline", "true");
            defaultProperty("OPT_OUT_TRACKING", "true");
            NativeAllocator.keepFreedMemory();
            Engine engine = Engine.getEngine(ENGINE);
            startingIntraOpThreads = JniUtils.getNumThreads();
            info = new EngineInfo(engine.getEngineName(), engine.getVersion(), Engine.getDjlVersion(),
                    engine.getGpuCount(), engine.defaultDevice().toString(), Utils.getEngineCacheDir().toString());
        }
        return info;
    }

    /**
     * Makes the calling thread ready for training or inference. PyTorch's autograd mode is per thread and
     * on by default; DJL turns it off only on the thread that loads the engine. Left on, every forward pass
     * records a graph, and an optimizer's in-place update of a weight is refused.
     */
    public static void prepareThread() {
        start();
        JniUtils.setGradMode(false);
    }

    /**
     * How many threads one PyTorch operation may split over, for the whole process (the {@code torch.set_num_threads}
     * of Python): a thread that has not run PyTorch yet takes it when it first does.
     */
    public static void intraOpThreads(int threads) {
        start();
        JniUtils.setNumThreads(threads);
    }

    /** The intra-op thread count the engine started with: {@code ai.djl.pytorch.num_threads}, else PyTorch's. */
    public static int startingIntraOpThreads() {
        start();
        return startingIntraOpThreads;
    }

    /** The calling thread's intra-op thread count now. */
    public static int currentIntraOpThreads() {
        start();
        return JniUtils.getNumThreads();
    }

    /** {@code ./kiln up} runs this once so the natives are unpacked before several services start at once. */
    public static void main(String[] args) {
        System.out.println("DJL engine: " + start());
    }

    private static void defaultProperty(String name, String value) {
        if (System.getProperty(name) == null && System.getenv(name) == null) {
            System.setProperty(name, value);
        }
    }
}
