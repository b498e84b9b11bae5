package dev.kiln.vision.engine;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * glibc's malloc, told to keep the memory PyTorch frees for the next training step. Each step allocates its
 * activations and gradients (megabytes each) and frees them at its end. With glibc's defaults that memory went back to
 * the kernel and was faulted in again, zeroed, in the next step: a cifar-cnn step on a worker thread of its own, on
 * one intra-op thread, took 2,297 page faults (102 with these settings, {@code NativeAllocatorTest}), and {@code
 * ./kiln bench train} of cifar-cnn took 4.4 million faults and 38 s of system time, its rounds of the same work
 * running at anything from 1,300 to 5,700 images/s. With them, every round ran at the fast end (BENCHMARKS.md). The
 * cost: a thread's arena (its heaps are at most 64 MiB each, below the trim threshold) now keeps its peak instead of
 * handing memory back, so a process's resident memory stays at its high-water mark, as PyTorch's own GPU caching
 * allocator does; the services cap the arenas at two ({@code MALLOC_ARENA_MAX=2}).
 */
public final class NativeAllocator {

    /** Each setting: its {@code mallopt} parameter ({@code malloc.h}), glibc's variable for it, and Kiln's value. */
    enum Tunable {
        /** Free memory at the top of a heap kept rather than trimmed (glibc's default is 128 KiB, then adaptive). */
        TRIM_THRESHOLD(-1, "MALLOC_TRIM_THRESHOLD_", 256 << 20),
        /**
         * Free space a thread's arena keeps when a heap of it empties: a whole heap (glibc's 64 MiB on 64-bit), so
         * that an emptied heap is never handed back. Without it, a step whose peak crossed from one heap into a fresh
         * one had that heap mapped at its start and unmapped at its end, every step, and faulted all its memory in
         * afresh: which processes did so depended on where their heaps stood when training began. {@code ./kiln bench
         * train} of lenet ran at a quarter of its speed in one run of three, with 3.5 times the page faults and 4,306
         * munmap calls against about 1,000.
         */
        TOP_PAD(-2, "MALLOC_TOP_PAD_", 64 << 20),
        /**
         * Blocks from this size up get their own mapping, handed back when freed: glibc's own upper bound for its
         * adaptive threshold, which setting the trim threshold turns off (it would otherwise stay at 128 KiB and map,
         * then fault in, nearly every tensor).
         */
        MMAP_THRESHOLD(-3, "MALLOC_MMAP_THRESHOLD_", 32 << 20);

        final int parameter;
        final String variable;
        final int value;

        Tunable(int parameter, String variable, int value) {
            this.parameter = parameter;
            this.variable = variable;
            this.value = value;
        }
    }

    /** glibc reads these at start; a user who sets one has tuned malloc and is left alone. */
    private static final List<String> USER_SETTINGS = Stream.concat(
            Arrays.stream(Tunable.values()).map(tunable -> tunable.variable), Stream.of("MALLOC_MMAP_MAX_")).toList();

    /** What {@link #keepFreedMemory} did. */
    public enum Setting {
        /** The settings above are made. */
        KEEPS_FREED_MEMORY,
        /** The environment sets glibc's own tunables; they stand. */
        USERS_OWN,
        /** Not glibc (macOS, musl): its allocator's defaults stand. */
        NOT_GLIBC
    }

    private static Setting setting;

    private NativeAllocator() {
    }

    /** Makes the settings once per process, where the C library is glibc and the user has not; says what it did. */
    public static synchronized Setting keepFreedMemory() {
        if (setting == null) {
            setting = keepFreedMemory(System.getenv());
        }
        return setting;
    }

    /**
     * The same settings as glibc's environment variables, for a process Kiln starts that should allocate as Kiln
     * does (the benchmark's PyTorch reference).
     */
    public static Map<String, String> asEnvironment() {
        return Arrays.stream(Tunable.values())
                .collect(Collectors.toMap(tunable -> tunable.variable, tunable -> String.valueOf(tunable.value)));
    }

    static Setting keepFreedMemory(Map<String, String> environment) {
        for (String name : USER_SETTINGS) {
            if (environment.containsKey(name)) {
                return Setting.USERS_OWN;
            }
        }
        Function mallopt;
        try {
            NativeLibrary libc = NativeLibrary.getInstance(Platform.C_LIBRARY_NAME);
            libc.getFunction("gnu_get_libc_version");
            mallopt = libc.getFunction("mallopt");
        } catch (UnsatisfiedLinkError notGlibc) {
            return Setting.NOT_GLIBC;
        }
        boolean set = true;
        for (Tunable tunable : Tunable.values()) {
            set &= mallopt.invokeInt(new Object[] {tunable.parameter, tunable.value}) == 1;
        }
        return set ? Setting.KEEPS_FREED_MEMORY : Setting.NOT_GLIBC;
    }
}
