package dev.kiln.contracts.studies;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The parameters of each trial of a study, derived from the trial's number alone: a scheduler that restarts
 * mid-study re-derives exactly the parameters it gave each trial before, and never needs to store a random
 * state.
 */
public sealed interface SearchSpace permits SearchSpace.GridSearch, SearchSpace.RandomSearch {

    /** The space of a {@linkplain StudySpec#withDefaults() defaulted}, valid study. */
    static SearchSpace of(StudySpec study) {
        return StudySpec.GRID.equals(study.algorithm())
                ? new GridSearch(study.parameters())
                : new RandomSearch(study.parameters(), study.seed(), study.maxTrials());
    }

    /** Grid: the number of combinations (the study runs the first maxTrials of them). Random: maxTrials. */
    int size();

    /**
     * The parameters of trial {@code number} (from 1), by name in declared order. Grid: 1..{@link #size()};
     * random: any number from 1, so that raising a study's maxTrials continues the same sequence.
     */
    Map<String, Object> trial(int number);

    /** Every combination once, in declared order, the last parameter varying fastest (like nested loops). */
    record GridSearch(List<ParameterSpec> parameters) implements SearchSpace {

        public GridSearch {
            parameters = List.copyOf(parameters);
        }

        /** The number of combinations, saturating at {@link Long#MAX_VALUE}; every parameter must be discrete. */
        public long combinations() {
            long size = 1;
            for (ParameterSpec parameter : parameters) {
                long n = parameter.size();
                size = n != 0 && size > Long.MAX_VALUE / n ? Long.MAX_VALUE : size * n;
            }
            return size;
        }

        @Override
        public int size() {
            return Math.toIntExact(combinations());
        }

        @Override
        public Map<String, Object> trial(int number) {
            if (number < 1 || number > combinations()) {
                throw new IllegalArgumentException("the grid has " + combinations() + " combinations; no trial " + number);
            }
            Object[] values = new Object[parameters.size()];
            long rest = number - 1;
            for (int i = parameters.size() - 1; i >= 0; i--) {
                long n = parameters.get(i).size();
                values[i] = parameters.get(i).value(rest % n);
                rest /= n;
            }
            return named(parameters, List.of(values));
        }
    }

    /** Independent draws: trial n's values come from a generator seeded by (seed, n) only. */
    record RandomSearch(List<ParameterSpec> parameters, long seed, int maxTrials) implements SearchSpace {

        public RandomSearch {
            parameters = List.copyOf(parameters);
        }

        @Override
        public int size() {
            return maxTrials;
        }

        @Override
        public Map<String, Object> trial(int number) {
            if (number < 1) {
                throw new IllegalArgumentException("trials are numbered from 1, got " + number);
            }
            SplittableRandom random = new SplittableRandom(mix(seed) ^ number);
            return named(parameters, parameters.stream().map(p -> p.sample(random)).toList());
        }

        /**
         * Scrambles the seed (MurmurHash3's finaliser) so that neighbouring seeds and trial numbers, combined,
         * do not collide: seed 1 trial 2 and seed 2 trial 1 draw different values.
         */
        private static long mix(long z) {
            z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
            z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
            return z ^ (z >>> 33);
        }
    }

    private static Map<String, Object> named(List<ParameterSpec> parameters, List<Object> values) {
        Map<String, Object> trial = new LinkedHashMap<>();
        for (int i = 0; i < parameters.size(); i++) {
            trial.put(parameters.get(i).name(), values.get(i));
        }
        return Collections.unmodifiableMap(trial);
    }
}
