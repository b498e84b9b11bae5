package dev.kiln.vision.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.vision.engine.NativeAllocator;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * bench/pytorch_reference.py kept running: it loads the data and warms up once, then trains one timed pass per
 * {@link #epoch()}, so a pass follows a Kiln round by a moment instead of by a Python start-up and data load.
 */
final class PytorchReference implements AutoCloseable {

    /** How the reference runs: PyTorch's intra-op threads, and OPENBLAS_NUM_THREADS (null: OpenBLAS's default). */
    record Setting(int threads, String blasThreads) {
        @Override
        public String toString() {
            return threads + (threads == 1 ? " thread" : " threads") + ", OpenBLAS threads "
                    + (blasThreads == null ? "default" : blasThreads);
        }
    }

    /** Processes, of one timed pass each, tried per setting when choosing one: the fastest is kept. */
    static final int TRIAL_PROCESSES = 2;

    /**
     * What the reference trains: the same model, images, batch and square size as the Kiln side, in PyTorch's memory
     * format {@code contiguous} (the tutorials' code) or {@code channels_last}.
     */
    record Workload(String python, Path fashionMnist, String model, int images, int batch, int imageSize,
            String memoryFormat) {
    }

    private final Setting setting;
    private final Map<Setting, Double> trials = new LinkedHashMap<>();
    private final Process process;
    private final OutputStream commands;
    private final BufferedReader results;

    private PytorchReference(Workload workload, Setting setting) throws IOException {
        this.setting = setting;
        ProcessBuilder builder = new ProcessBuilder(workload.python(), "bench/pytorch_reference.py",
                "--data", workload.fashionMnist().toString(), "--model", workload.model(),
                "--images", String.valueOf(workload.images()), "--batch", String.valueOf(workload.batch()),
                "--threads", String.valueOf(setting.threads()), "--image-size", String.valueOf(workload.imageSize()),
                "--memory-format", workload.memoryFormat())
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        // Python's malloc tuned as Kiln's is: with glibc's defaults the reference too faults its freed tensors back
        // in, in some settings (OpenBLAS's own threads on cifar-cnn: 2 million faults, rounds at 2,900-4,500 img/s).
        builder.environment().putAll(NativeAllocator.asEnvironment());
        if (setting.blasThreads() != null) {
            builder.environment().put("OPENBLAS_NUM_THREADS", setting.blasThreads());
        }
        process = builder.start();
        commands = process.getOutputStream();
        results = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /**
     * The reference at its best, as Kiln picks its own thread count: whichever of all cores with OpenBLAS's own
     * threads, all cores with one OpenBLAS thread, and one core trains a pass fastest. Beside PyTorch's OpenMP
     * threads, OpenBLAS's oversubscribe the cores; on small networks that cost the reference a third of its speed,
     * on larger ones the threads may pay. Each setting is tried {@link #TRIAL_PROCESSES} times, the settings taking
     * turns, each time in a process of its own, and the fastest process is kept: one pass each let a setting slowed
     * for a moment lose, and a process can be slow for its whole life (fc2layer's reference: 130,000 to 150,000 img/s
     * in some processes, 240,000 to 255,000 in others, on the same host in the same half hour).
     */
    static PytorchReference fastest(Workload workload, int threads) throws IOException {
        List<Setting> candidates = new ArrayList<>(List.of(new Setting(threads, null), new Setting(threads, "1")));
        if (threads > 1) {
            candidates.add(new Setting(1, "1"));
        }
        Map<Setting, Double> best = new LinkedHashMap<>();
        PytorchReference fastest = null;
        double fastestSpeed = 0;
        try {
            for (int pass = 0; pass < TRIAL_PROCESSES; pass++) {
                for (Setting candidate : candidates) {
                    // One process at a time: another one loading and warming up would slow its pass.
                    PytorchReference reference = new PytorchReference(workload, candidate);
                    double speed;
                    try {
                        speed = reference.epoch().get("images_per_second").asDouble();
                    } catch (IOException | RuntimeException e) {
                        reference.close();
                        throw e;
                    }
                    best.merge(candidate, speed, Math::max);
                    if (speed > fastestSpeed) {
                        if (fastest != null) {
                            fastest.close();
                        }
                        fastest = reference;
                        fastestSpeed = speed;
                    } else {
                        reference.close();
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            if (fastest != null) {
                fastest.close();
            }
            throw e;
        }
        fastest.trials.putAll(best);
        return fastest;
    }

    Setting setting() {
        return setting;
    }

    /** The setting chosen's trial: every setting tried, with its best pass in images per second. */
    Map<Setting, Double> trials() {
        return trials;
    }

    /** Trains one timed pass: images, seconds, images_per_second, mean_loss, threads, torch (its version). */
    JsonNode epoch() throws IOException {
        commands.write('\n');
        commands.flush();
        String line = results.readLine();
        if (line == null) {
            throw new IOException("the PyTorch reference stopped" + exitStatus());
        }
        return Json.read(line, JsonNode.class);
    }

    private String exitStatus() {
        try {
            return " (exit " + process.waitFor() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** Ends the process: it exits when its stdin closes. */
    @Override
    public void close() throws IOException {
        commands.close();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroy();
        }
    }
}
