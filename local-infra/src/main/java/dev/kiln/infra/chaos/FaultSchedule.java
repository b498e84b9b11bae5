package dev.kiln.infra.chaos;

import dev.kiln.infra.stack.StackHttp;
import java.io.File;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A seeded schedule of faults over the stack's components, carried out through the launcher
 * ({@code ./kiln fault kill|stop|cont|start NAME}): every component in turn (a new shuffle each round), each fault
 * a {@code kill -9} followed by a restart after 2-8 s, or a SIGSTOP of 10-30 s; 5-15 s between faults. The same
 * seed gives the same targets, kinds and durations.
 */
final class FaultSchedule {

    private static final Duration READY_TIMEOUT = Duration.ofMinutes(3);
    private static final HttpClient HTTP = StackHttp.client(Duration.ofSeconds(2));

    private final Random random;
    private final Path launcher;
    private final Path log;
    /** Component name -> its health URL, or null for PostgreSQL and Kafka (the launcher waits for those). */
    private final Map<String, String> components;
    private final List<String> round = new ArrayList<>();

    FaultSchedule(long seed, Path launcher, Path log, Map<String, String> components) {
        this.random = new Random(seed);
        this.launcher = launcher;
        this.log = log;
        this.components = components;
    }

    /** Injects faults until {@code until}; returns them in order. */
    List<Fault> run(Instant until) throws Exception {
        List<Fault> faults = new ArrayList<>();
        while (Instant.now().isBefore(until)) {
            String target = nextTarget();
            Fault.Kind kind = random.nextBoolean() ? Fault.Kind.KILL : Fault.Kind.PAUSE;
            Duration down = kind == Fault.Kind.KILL ? seconds(2, 8) : seconds(10, 30);
            Duration gap = seconds(5, 15);
            Instant start = Instant.now();
            if (kind == Fault.Kind.KILL) {
                launcher("kill", target);
                Thread.sleep(down.toMillis());
                launcher("start", target);
            } else {
                launcher("stop", target);
                Thread.sleep(down.toMillis());
                launcher("cont", target);
            }
            awaitReady(target);
            Fault fault = new Fault(target, kind, start, Instant.now());
            faults.add(fault);
            System.out.printf("   %-9s %-5s %5.1f s%n", target, kind, fault.outage().toMillis() / 1000.0);
            Thread.sleep(gap.toMillis());
        }
        return faults;
    }

    private String nextTarget() {
        if (round.isEmpty()) {
            round.addAll(components.keySet().stream().sorted().toList());
            Collections.shuffle(round, random);
        }
        return round.remove(0);
    }

    private Duration seconds(int min, int max) {
        return Duration.ofMillis(1000L * min + random.nextInt(1000 * (max - min) + 1));
    }

    private void launcher(String action, String target) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(launcher.toString(), "fault", action, target)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        if (process.waitFor() != 0) {
            throw new IllegalStateException("./kiln fault " + action + " " + target + " failed; see " + log);
        }
    }

    /** A service is ready when its readiness endpoint says so; PostgreSQL and Kafka once the launcher returned. */
    private void awaitReady(String target) throws Exception {
        String url = components.get(target);
        if (url == null) {
            return;
        }
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<Void> response = HTTP.send(StackHttp.request(url + "/q/health/ready")
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // starting, or still paused
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException(target + " not ready " + READY_TIMEOUT.toSeconds() + " s after its fault; see "
                + new File(log.getParent().toFile(), target + ".log"));
    }
}
