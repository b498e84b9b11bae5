package dev.kiln.inference.predict;

import dev.kiln.contracts.predictions.RankedClass;
import java.util.ArrayList;
import java.util.List;

/** The k most probable classes of one image's probability row. */
public final class TopK {

    private TopK() {
    }

    public static List<RankedClass> of(float[] probabilities, int image, List<String> classes, int k) {
        int n = classes.size();
        int offset = image * n;
        List<RankedClass> top = new ArrayList<>(k);
        boolean[] taken = new boolean[n];
        for (int rank = 0; rank < Math.min(k, n); rank++) {
            int best = -1;
            for (int c = 0; c < n; c++) {
                if (!taken[c] && (best < 0 || probabilities[offset + c] > probabilities[offset + best])) {
                    best = c;
                }
            }
            taken[best] = true;
            top.add(new RankedClass(classes.get(best), best, probabilities[offset + best]));
        }
        return top;
    }
}
