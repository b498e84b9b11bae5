package dev.kiln.infra.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The CPU time of the kernel's own threads (the children of {@code kthreadd}), read from {@code /proc}: what the
 * machine spent outside every process during a measurement. On this project's VMs the kernel's DAMON thread
 * ({@code kdamond.0}, memory reclaim for the host) runs about 13 ms on one of the two cores every 512 ms, and most
 * of the paced benchmark's slowest requests fall into those bursts (BENCHMARKS.md, "Serving").
 */
final class KernelThreads {

    /** The parent of every kernel thread. */
    private static final String KTHREADD_PID = "2";

    /** CPU time so far, by {@code name (pid)}; empty where {@code /proc} shows no kernel threads (a container). */
    record Sample(Map<String, Long> cpuNanos) {

        /** What each thread of {@code before} that still runs used since, busiest first. */
        List<Map.Entry<String, Long>> since(Sample before) {
            return cpuNanos.entrySet().stream()
                    .filter(thread -> before.cpuNanos.containsKey(thread.getKey()))
                    .map(thread -> Map.entry(thread.getKey(), thread.getValue() - before.cpuNanos.get(thread.getKey())))
                    .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()))
                    .toList();
        }
    }

    private KernelThreads() {
    }

    static Sample sample() throws IOException {
        Map<String, Long> cpu = new HashMap<>();
        try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
            for (Path process : processes.filter(dir -> dir.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    kernelThread(Files.readString(process.resolve("stat")),
                            Files.readString(process.resolve("schedstat")))
                            .ifPresent(thread -> cpu.put(thread.getKey(), thread.getValue()));
                } catch (IOException e) {
                    // The process ended between the listing and the read.
                }
            }
        }
        return new Sample(cpu);
    }

    /**
     * @param stat      {@code /proc/PID/stat}: pid, the name in parentheses (which may hold spaces and parentheses),
     *                  state, parent pid, ...
     * @param schedstat {@code /proc/PID/schedstat}: nanoseconds on a CPU, nanoseconds waiting for one, time slices
     * @return {@code name (pid)} and its CPU nanoseconds, if the process is a kernel thread
     */
    static Optional<Map.Entry<String, Long>> kernelThread(String stat, String schedstat) {
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        String[] after = stat.substring(close + 2).trim().split(" ");
        if (!after[1].equals(KTHREADD_PID)) {
            return Optional.empty();
        }
        String pid = stat.substring(0, open).trim();
        return Optional.of(Map.entry(stat.substring(open + 1, close) + " (" + pid + ")",
                Long.parseLong(schedstat.trim().split(" ")[0])));
    }
}
