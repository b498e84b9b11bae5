package dev.kiln.infra.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KernelThreadsTest {

    @Test
    void aChildOfKthreaddIsAKernelThreadNamedWithItsPid() {
        assertEquals(Map.entry("kdamond.0 (83)", 231748796360L), KernelThreads.kernelThread(
                "83 (kdamond.0) I 2 0 0 0 -1 2129984 0 0 0 0 0 23174 0 0 20 0 1 0 4 0 0",
                "231748796360 185798437441 133797\n").orElseThrow());
    }

    @Test
    void aNameWithSpacesAndParenthesesIsReadWhole() {
        assertEquals("kworker/0:1-events (my) (17)", KernelThreads.kernelThread(
                "17 (kworker/0:1-events (my)) I 2 0 0 0", "5 0 1").orElseThrow().getKey());
    }

    @Test
    void aProcessIsNotAKernelThread() {
        assertTrue(KernelThreads.kernelThread("20458 (java) S 1 20458 0 0", "9 0 1").isEmpty());
        // kthreadd itself is the kernel's, but its parent is the idle task.
        assertTrue(KernelThreads.kernelThread("2 (kthreadd) S 0 0 0 0", "9 0 1").isEmpty());
        // A process whose name ends like a kernel thread's parent field.
        assertTrue(KernelThreads.kernelThread("300 (x) S 2) S 1 300 0", "9 0 1").isEmpty());
    }

    @Test
    void sinceGivesEachSurvivingThreadsTimeBusiestFirst() {
        KernelThreads.Sample before = new KernelThreads.Sample(Map.of("a (3)", 100L, "b (4)", 50L, "gone (5)", 7L));
        KernelThreads.Sample after = new KernelThreads.Sample(Map.of("a (3)", 130L, "b (4)", 250L, "new (6)", 9L));
        assertEquals(List.of(Map.entry("b (4)", 200L), Map.entry("a (3)", 30L)), after.since(before));
    }
}
