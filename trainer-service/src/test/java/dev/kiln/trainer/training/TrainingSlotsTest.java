package dev.kiln.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.contracts.runs.TrainingSpec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A stopping worker takes no new run and waits for the slots in use, so that a run claimed just before the stop
 * still gets a thread; and a claim that outlasts that wait frees its slot. Either way the request that brought
 * the run is acknowledged, never dead-lettered.
 */
class TrainingSlotsTest {

    private static TrainingSlots slots(int slots, Duration handBackTimeout) {
        return new TrainingSlots(new Config(slots, handBackTimeout), null, null,
                new TrainerMetrics(new SimpleMeterRegistry()));
    }

    private static CompletableFuture<Void> stopping(TrainingSlots slots) {
        return CompletableFuture.runAsync(() -> {
            try {
                slots.handBack(new ShutdownEvent());
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void aRequestWaitingForASlotIsLetGoWhenTheWorkerStopsAndTheStopWaitsForTheSlotsInUse() throws Exception {
        TrainingSlots slots = slots(2, Duration.ofMinutes(1));
        assertThat(slots.acquire()).isTrue();
        assertThat(slots.acquire()).isTrue();
        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(slots::acquire);
        Thread.sleep(500);
        assertThat(waiting).isNotDone();

        CompletableFuture<Void> stop = stopping(slots);
        assertThat(waiting.get(30, TimeUnit.SECONDS)).isFalse();
        slots.release();
        // One slot free, but the worker is stopping: no run is taken over or claimed from the store.
        assertThat(slots.tryAcquire()).isFalse();
        Thread.sleep(500);
        assertThat(stop).isNotDone();

        slots.release();
        stop.get(30, TimeUnit.SECONDS);
        assertThat(slots.acquire()).isFalse();
    }

    @Test
    void aRunClaimedAfterTheStopGaveUpWaitingFreesItsSlotInsteadOfFailingItsRequest() throws Exception {
        TrainingSlots slots = slots(1, Duration.ofMillis(100));
        assertThat(slots.acquire()).isTrue();
        stopping(slots).get(30, TimeUnit.SECONDS);

        UUID runId = UUID.randomUUID();
        slots.start(runId, TrainingSpec.of("mnist-sample", "fc2layer", 1, 64, "sgd", 0.05, 42L));

        assertThat(slots.active()).doesNotContain(runId);
    }

    @Test
    void anInterruptedWaitIsLetGoWithTheInterruptKept() throws Exception {
        TrainingSlots slots = slots(1, Duration.ofMinutes(1));
        assertThat(slots.acquire()).isTrue();
        CompletableFuture<Boolean> interruptKept = new CompletableFuture<>();
        Thread waiter = new Thread(() -> {
            boolean acquired = slots.acquire();
            interruptKept.complete(!acquired && Thread.currentThread().isInterrupted());
        });
        waiter.start();
        waiter.interrupt();

        assertThat(interruptKept.get(30, TimeUnit.SECONDS)).isTrue();
    }

    /** The slots and hand-back patience given, defaults for the rest (which these tests do not reach). */
    private record Config(int slots, Duration handBackTimeout) implements TrainerConfig {
        public String device() {
            return "cpu";
        }

        public String dataDir() {
            return ".kiln/data";
        }

        public Duration heartbeatInterval() {
            return Duration.ofSeconds(5);
        }

        public Duration lease() {
            return Duration.ofSeconds(30);
        }

        public Duration claimWaitingAfter() {
            return Duration.ofSeconds(10);
        }

        public Duration storePatience() {
            return Duration.ofMinutes(15);
        }

        public Datasets datasets() {
            return null;
        }
    }
}
