package dev.kiln.contracts.studies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.kiln.contracts.messaging.Json;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SearchSpaceTest {

    private static SearchSpace random(long seed, int maxTrials, ParameterSpec... parameters) {
        return new SearchSpace.RandomSearch(List.of(parameters), seed, maxTrials);
    }

    private static List<Object> draws(SearchSpace space, String name) {
        return IntStream.rangeClosed(1, space.size()).mapToObj(n -> space.trial(n).get(name)).toList();
    }

    @Test
    void gridVisitsCombinationsInDeclaredOrderLastParameterFastest() {
        SearchSpace grid = new SearchSpace.GridSearch(List.of(ParameterSpec.categorical("a", 1, 2),
                ParameterSpec.categorical("b", "x", "y", "z")));

        assertThat(grid.size()).isEqualTo(6);
        assertThat(IntStream.rangeClosed(1, 6).mapToObj(grid::trial).toList()).containsExactly(
                Map.of("a", 1, "b", "x"), Map.of("a", 1, "b", "y"), Map.of("a", 1, "b", "z"),
                Map.of("a", 2, "b", "x"), Map.of("a", 2, "b", "y"), Map.of("a", 2, "b", "z"));
        assertThat(grid.trial(1).keySet()).containsExactly("a", "b");
        assertThatThrownBy(() -> grid.trial(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> grid.trial(7)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("6 combinations");
    }

    @Test
    void gridCoversEveryCombinationExactlyOnce() {
        SearchSpace grid = new SearchSpace.GridSearch(List.of(
                ParameterSpec.range("batchSize", "int", 16, 64, false, 16.0),
                ParameterSpec.range("learningRate", "double", 0.1, 0.5, false, 0.1),
                ParameterSpec.categorical("optimizer", "sgd", "adam", "adamw"),
                ParameterSpec.range("epochs", "int", 1, 3, true, null)));

        Set<Map<String, Object>> seen = new HashSet<>();
        for (int n = 1; n <= grid.size(); n++) {
            assertThat(seen.add(grid.trial(n))).as("trial %d repeats an earlier one", n).isTrue();
        }
        assertThat(seen).hasSize(4 * 5 * 3 * 3);
        assertThat(seen).extracting(t -> t.get("learningRate")).containsOnly(0.1, 0.2, 0.3, 0.4, 0.5);
        assertThat(seen).extracting(t -> t.get("batchSize")).containsOnly(16, 32, 48, 64);
        assertThat(seen).extracting(t -> t.get("epochs")).as("a log int's grid is every value").containsOnly(1, 2, 3);
    }

    @Test
    void stepsStopAtTheLastValueWithinTheBounds() {
        ParameterSpec features = ParameterSpec.range("modelArgs.n_feature", "int", 6, 16, false, 4.0);

        assertThat(features.size()).isEqualTo(3);
        assertThat(List.of(features.value(0), features.value(1), features.value(2))).containsExactly(6, 10, 14);
        assertThat(features.corners()).containsExactly(6, 14);
        assertThat(ParameterSpec.range("x", "double", 0.5, 0.5, false, null).corners()).containsExactly(0.5);
        assertThat(ParameterSpec.range("x", "double", 0.001, 0.1, true, null).corners()).containsExactly(0.001, 0.1);
    }

    @Test
    void randomSearchIsReproducibleFromSeedAndTrialNumber() {
        ParameterSpec[] parameters = {ParameterSpec.range("learningRate", "double", 1e-4, 1e-1, true, null),
                ParameterSpec.range("batchSize", "int", 16, 512, false, null),
                ParameterSpec.categorical("optimizer", "sgd", "adam")};
        SearchSpace space = random(7, 20, parameters);
        List<Map<String, Object>> forward = IntStream.rangeClosed(1, 20).mapToObj(space::trial).toList();

        List<Map<String, Object>> backward = new ArrayList<>();
        SearchSpace restarted = random(7, 20, parameters);
        for (int n = 20; n >= 1; n--) {
            backward.add(0, restarted.trial(n));
        }

        assertThat(backward).isEqualTo(forward);
        assertThat(new HashSet<>(forward)).as("trials differ from each other").hasSize(20);
        List<Map<String, Object>> otherSeed = IntStream.rangeClosed(1, 20).mapToObj(random(8, 20, parameters)::trial).toList();
        assertThat(otherSeed).doesNotContainAnyElementsOf(forward);
        assertThat(random(7, 50, parameters).trial(3)).as("raising maxTrials continues the same sequence")
                .isEqualTo(forward.get(2));
    }

    @Test
    void randomValuesAreTyped() {
        Map<String, Object> trial = random(1, 1, ParameterSpec.range("batchSize", "int", 16, 512, false, null),
                ParameterSpec.range("learningRate", "double", 0.001, 0.1, false, null),
                ParameterSpec.range("epochs", "int", 1, 100, true, null),
                ParameterSpec.categorical("nesterov", true, false),
                ParameterSpec.categorical("optimizer", "sgd"),
                ParameterSpec.categorical("modelArgs.c1", 48)).trial(1);

        assertThat(trial.get("batchSize")).isInstanceOf(Integer.class);
        assertThat(trial.get("learningRate")).isInstanceOf(Double.class);
        assertThat(trial.get("epochs")).isInstanceOf(Integer.class);
        assertThat(trial.get("nesterov")).isInstanceOf(Boolean.class);
        assertThat(trial).containsEntry("optimizer", "sgd").containsEntry("modelArgs.c1", 48);
    }

    @Test
    void logUniformStaysInBoundsAndIsUniformInLogSpace() {
        SearchSpace space = random(3, 20_000, ParameterSpec.range("learningRate", "double", 1e-5, 1e-1, true, null));
        int[] decades = new int[4];

        for (Object draw : draws(space, "learningRate")) {
            double value = (Double) draw;
            assertThat(value).isBetween(1e-5, 1e-1);
            decades[Math.min(3, (int) Math.floor(Math.log10(value) + 5))]++;
        }

        for (int count : decades) {
            assertThat(count / 20_000.0).as("share of each decade").isCloseTo(0.25, within(0.02));
        }
    }

    @Test
    void uniformDrawsCoverTheRange() {
        List<Object> draws = draws(random(5, 10_000, ParameterSpec.range("momentum", "double", 0.5, 0.9, false, null)),
                "momentum");

        assertThat(draws).allSatisfy(d -> assertThat((Double) d).isBetween(0.5, 0.9));
        double belowMiddle = draws.stream().filter(d -> (Double) d < 0.7).count() / 10_000.0;
        assertThat(belowMiddle).isCloseTo(0.5, within(0.02));
    }

    @Test
    void randomDrawsRespectStepsAndReachBothEnds() {
        SearchSpace space = random(11, 2_000, ParameterSpec.range("modelArgs.n_feature", "int", 6, 16, false, 2.0),
                ParameterSpec.range("validationSplit", "double", 0, 0.5, false, 0.1),
                ParameterSpec.range("epochs", "int", 1, 5, false, null),
                ParameterSpec.range("batchSize", "int", 8, 1024, true, null));

        assertThat(new HashSet<>(draws(space, "modelArgs.n_feature"))).containsExactlyInAnyOrder(6, 8, 10, 12, 14, 16);
        assertThat(new HashSet<>(draws(space, "validationSplit"))).containsExactlyInAnyOrder(0.0, 0.1, 0.2, 0.3, 0.4, 0.5);
        assertThat(new HashSet<>(draws(space, "epochs"))).containsExactlyInAnyOrder(1, 2, 3, 4, 5);
        assertThat(draws(space, "batchSize")).allSatisfy(d -> assertThat((Integer) d).isBetween(8, 1024))
                .contains(8, 1024);
    }

    @Test
    void spaceOfADefaultedStudyFollowsItsAlgorithm() {
        StudySpec study = Json.readStrict("""
                {"base": {"dataset": "fashion-mnist", "model": "mlp"},
                 "parameters": [{"name": "batchSize", "type": "categorical", "values": [32, 64, 128]}]}
                """, StudySpec.class).withDefaults();

        assertThat(SearchSpace.of(study)).isEqualTo(new SearchSpace.GridSearch(study.parameters()));
        StudySpec random = new StudySpec(study.base(), study.parameters(), "random", 4L, study.objective(), 5,
                study.parallelTrials(), study.maxFailedTrials(), study.pruner(), null, null);
        assertThat(SearchSpace.of(random)).isEqualTo(new SearchSpace.RandomSearch(study.parameters(), 4, 5));
        assertThat(SearchSpace.of(random).size()).isEqualTo(5);
        assertThat(SearchSpace.of(study).size()).isEqualTo(3);
    }
}
