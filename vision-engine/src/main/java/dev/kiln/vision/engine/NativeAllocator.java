package dev.kiln.vision.engine;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import java.util.List;
import java.util.Map;

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

    /** glibc's {@code mallopt} parameters ({@code malloc.h}). */
    private static final int M_TRIM_THRESHOLD = -1;
    private static final int M_TOP_PAD = -2;
    private static final int M_MMAP_THRESHOLD = -3;

    /** Free memory at the top of a heap kept rather than trimmed (glibc's default is 128 KiB, then adaptive). */
    static final int TRIM_THRESHOLD = 256 << 20;

    /**
     * Blocks from this size up get their own mapping, handed back when freed: glibc's own upper bound for its
     * adaptive threshold, which setting the trim threshold turns off (it would otherwise stay at 128 KiB and map,
     * then fault in, nearly every tensor).
     */
    static final int MMAP_THRESHOLD = 32 << 20;

    /**
     * Free space a thread's arena keeps when a heap of it empties: a whole heap (glibc's 64 MiB on 64-bit), so that an
     * emptied heap is never handed back. Without it, a step whose peak crossed from one heap into a fresh one had that
     * heap mapped at its start and unmapped at its end, every step, and faulted all its memory in afresh: which
     * processes did so depended on where their heaps stood when training began. {@code ./kiln bench train} of lenet
     * ran at a quarter of its speed in one run of three, with 3.5 times the page faults and 4,306 munmap calls against
     * about 1,000.
     */
    static final int TOP_PAD = 64 << 20;

    private static final String TRIM_THRESHOLD_VARIABLE = "MALLOC_TRIM_THRESHOLD_";
    private static final String TOP_PAD_VARIABLE = "MALLOC_TOP_PAD_";
    private static final String MMAP_THRESHOLD_VARIABLE = "MALLOC_MMAP_THRESHOLD_";

    /** glibc reads these at start; a user who sets one has tuned malloc and is left alone. */
    private static final List<String> USER_SETTINGS = List.of(
            TRIM_THRESHOLD_VARIABLE, MMAP_THRESHOLD_VARIABLE, TOP_PAD_VARIABLE, "MALLOC_MMAP_MAX_");

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
     * The same thresholds as glibc's environment variables, for a process Kiln starts that should allocate as Kiln
     * does (the benchmark's PyTorch reference).
     */
    public static Map<String, String> asEnvironment() {
        return Map.of(TRIM_THRESHOLD_VARIABLE, String.valueOf(TRIM_THRESHOLD),
                MMAP_THRESHOLD_VARIABLE, String.valueOf(MMAP_THRESHOLD), TOP_PAD_VARIABLE, String.valueOf(TOP_PAD));
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
        boolean set = mallopt.invokeInt(new Object[] {M_TRIM_THRESHOLD, TRIM_THRESHOLD}) == 1
                & mallopt.invokeInt(new Object[] {M_MMAP_THRESHOLD, MMAP_THRESHOLD}) == 1
                & mallopt.invokeInt(new Object[] {M_TOP_PAD, TOP_PAD}) == 1;
        return set ? Setting.KEEPS_FREED_MEMORY : Setting.NOT_GLIBC;
    }
}
