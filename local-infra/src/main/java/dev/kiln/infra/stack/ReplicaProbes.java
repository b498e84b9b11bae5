package dev.kiln.infra.stack;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * The GETs a deployed replica answers all day besides its real traffic: the kubelet's probes at the periods
 * {@code k8s/base/inference.yaml} sets and a Prometheus scrape of {@code /q/metrics}, sent on a timer until closed.
 * {@code ./kiln bench predict} sends them from before its warm-up to its end: a service warmed up on POSTs alone
 * deoptimised its request path at the first GET (165 deoptimisations in 2 s, then seconds of C2 compiling inside the
 * measured round; BENCHMARKS.md, "Serving").
 */
final class ReplicaProbes implements AutoCloseable {

    /** A GET of the path every period. */
    record Probe(String path, Duration period) {
    }

    /**
     * Readiness and liveness at the inference deployment's periods, and /q/metrics at the 15 s of Prometheus's example
     * configuration.
     */
    static final List<Probe> DEPLOYED = List.of(new Probe("/q/health/ready", Duration.ofSeconds(5)),
            new Probe("/q/health/live", Duration.ofSeconds(10)), new Probe("/q/metrics", Duration.ofSeconds(15)));

    /**
     * What the probes met: answers (HTTP 200), failures (any other status, or no answer), and the slowest response of
     * either kind.
     */
    record Tally(long answered, long failed, double slowestMillis) {
    }

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "replica-probes");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong slowestNanos = new AtomicLong();

    private ReplicaProbes() {
    }

    /** Starts the probes against the service at {@code baseUrl}; each is sent at once, then every period. */
    static ReplicaProbes start(String baseUrl, List<Probe> probes) {
        ReplicaProbes started = new ReplicaProbes();
        for (Probe probe : probes) {
            // A fixed delay, not a fixed rate: probes held up by a slow one do not follow in a burst.
            started.timer.scheduleWithFixedDelay(() -> started.send(baseUrl + probe.path()), 0,
                    probe.period().toMillis(), TimeUnit.MILLISECONDS);
        }
        return started;
    }

    /** One probe, with no token: the kubelet and Prometheus send none, and health and metrics need none. */
    private void send(String url) {
        long sent = System.nanoTime();
        int status;
        try {
            status = StackHttp.get(url, null).statusCode();
        } catch (IOException | RuntimeException e) {
            // Counted, never thrown: a periodic task that throws is not run again.
            failed.incrementAndGet();
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        slowestNanos.accumulateAndGet(System.nanoTime() - sent, Math::max);
        (status == 200 ? answered : failed).incrementAndGet();
    }

    Tally tally() {
        return new Tally(answered.get(), failed.get(), slowestNanos.get() / 1e6);
    }

    /** The probes as a sentence's list: "/q/health/ready every 5 s, ...". */
    static String describe(List<Probe> probes) {
        return probes.stream().map(probe -> probe.path() + " every " + probe.period().toSeconds() + " s")
                .collect(Collectors.joining(", "));
    }

    /** Stops the timer and waits for a probe in flight (at most its 10 s timeout), else interrupts it. */
    @Override
    public void close() throws InterruptedException {
        timer.shutdown();
        if (!timer.awaitTermination(15, TimeUnit.SECONDS)) {
            timer.shutdownNow();
        }
    }
}
