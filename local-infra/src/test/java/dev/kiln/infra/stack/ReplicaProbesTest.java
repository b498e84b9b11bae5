package dev.kiln.infra.stack;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ReplicaProbesTest {

    @Test
    void eachProbeIsSentOnItsPeriodUntilClosedAndOnlyA200CountsAsAnswered() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            hits.computeIfAbsent(path, any -> new AtomicInteger()).incrementAndGet();
            exchange.sendResponseHeaders(path.equals("/q/health/ready") ? 200 : 503, -1);
            exchange.close();
        });
        server.start();
        try {
            ReplicaProbes probes = ReplicaProbes.start("http://localhost:" + server.getAddress().getPort(),
                    List.of(new ReplicaProbes.Probe("/q/health/ready", Duration.ofMillis(20)),
                            new ReplicaProbes.Probe("/q/metrics", Duration.ofMillis(200))));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (count(hits, "/q/metrics") < 3 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            probes.close();
            int ready = count(hits, "/q/health/ready");
            int metrics = count(hits, "/q/metrics");
            ReplicaProbes.Tally tally = probes.tally();

            assertThat(metrics).isGreaterThanOrEqualTo(3);
            assertThat(ready).isGreaterThan(metrics);
            assertThat(tally.answered()).isEqualTo(ready);
            assertThat(tally.failed()).isEqualTo(metrics);
            assertThat(tally.slowestMillis()).isPositive();
            Thread.sleep(300);
            assertThat(count(hits, "/q/health/ready") + count(hits, "/q/metrics")).as("probes after close")
                    .isEqualTo(ready + metrics);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void theDeployedProbesAreTheInferenceDeploymentsOwn() throws Exception {
        String deployment = Files.readString(Path.of("..", "k8s", "base", "inference.yaml"));
        Matcher probe = Pattern.compile("(?:liveness|readiness)Probe:\\s+httpGet:\\s+path: (\\S+)\n"
                + "(?:.*\n)*?\\s*periodSeconds: (\\d+)").matcher(deployment);
        List<ReplicaProbes.Probe> kubelet = new ArrayList<>();
        while (probe.find()) {
            kubelet.add(new ReplicaProbes.Probe(probe.group(1), Duration.ofSeconds(Long.parseLong(probe.group(2)))));
        }

        assertThat(kubelet).hasSize(2);
        assertThat(ReplicaProbes.DEPLOYED).containsAll(kubelet);
    }

    @Test
    void theDeployedProbesAreDescribedWithTheirPeriods() {
        assertThat(ReplicaProbes.describe(ReplicaProbes.DEPLOYED))
                .isEqualTo("/q/health/ready every 5 s, /q/health/live every 10 s, /q/metrics every 15 s");
    }

    private static int count(Map<String, AtomicInteger> hits, String path) {
        return hits.getOrDefault(path, new AtomicInteger()).get();
    }
}
