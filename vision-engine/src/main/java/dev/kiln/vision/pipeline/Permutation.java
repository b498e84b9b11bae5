package dev.kiln.vision.pipeline;

import java.util.Random;

/** Seeded shuffles of indices, drawn in Java so a seed fixes them on every device. */
public final class Permutation {

    private Permutation() {
    }

    /** A Fisher-Yates permutation of 0..n-1. */
    public static long[] of(Random random, int n) {
        long[] order = new long[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            long t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }
}
