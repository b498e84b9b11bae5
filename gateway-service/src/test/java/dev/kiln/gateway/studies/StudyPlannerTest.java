package dev.kiln.gateway.studies;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.runs.EpochMetrics;
import dev.kiln.contracts.studies.StudySpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class StudyPlannerTest {

    private static StudySpec study(String extra) {
        return Json.read("{\"base\": {\"dataset\": \"mnist-sample\", \"model\": \"mlp\", \"epochs\": 6,"
                + " \"validationSplit\": 0.1}, \"algorithm\": \"random\", \"parameters\": [{\"name\": \"learningRate\","
                + " \"type\": \"double\", \"min\": 0.001, \"max\": 0.1}]" + extra + "}", StudySpec.class).withDefaults();
    }

    private static Trial trial(int number, String state, double... validationLosses) {
        List<EpochMetrics> epochs = new ArrayList<>();
        for (int e = 0; e < validationLosses.length; e++) {
            epochs.add(new EpochMetrics(e + 1, 1.0, 0.5, validationLosses[e], 0.5, 0.1, 100, 1000, 1.0));
        }
        return new Trial(number, UUID.randomUUID(), state, Map.of("learningRate", 0.01), 6, epochs, null, null);
    }

    @Test
    void startsTrialsUpToTheParallelismAndTheBudget() {
        StudySpec spec = study(", \"maxTrials\": 3, \"parallelTrials\": 2");

        assertThat(StudyPlanner.plan(spec, List.of()).launches()).isEqualTo(2);
        assertThat(StudyPlanner.plan(spec, List.of(trial(1, Trial.RUNNING), trial(2, Trial.QUEUED))).launches())
                .isZero();
        assertThat(StudyPlanner.plan(spec, List.of(trial(1, Trial.COMPLETED, 0.5), trial(2, Trial.RUNNING))).launches())
                .as("one slot free, one trial of the budget left").isEqualTo(1);
        StudyPlanner.Plan done = StudyPlanner.plan(spec, List.of(trial(1, Trial.COMPLETED, 0.5),
                trial(2, Trial.PRUNED, 0.9), trial(3, Trial.COMPLETED, 0.4)));
        assertThat(done.finalStatus()).isEqualTo("SUCCEEDED");
        assertThat(done.best()).isEqualTo(3);
        assertThat(done.launches()).isZero();
    }

    @Test
    void failedTrialsBeyondTheLimitFailTheStudyAndStopTheRest() {
        StudySpec spec = study(", \"maxTrials\": 5, \"parallelTrials\": 2, \"maxFailedTrials\": 1");

        assertThat(StudyPlanner.plan(spec, List.of(trial(1, Trial.FAILED), trial(2, Trial.RUNNING))).finalStatus())
                .as("one failure is within the limit").isNull();
        StudyPlanner.Plan failed = StudyPlanner.plan(spec, List.of(trial(1, Trial.FAILED), trial(2, Trial.FAILED),
                trial(3, Trial.RUNNING)));
        assertThat(failed.finalStatus()).isEqualTo("FAILED");
        assertThat(failed.stopActive()).isTrue();
    }

    @Test
    void reachingTheGoalEndsTheStudy() {
        StudySpec spec = study(", \"maxTrials\": 5, \"objective\": {\"metric\": \"validation.loss\", \"goal\": 0.3}");

        assertThat(StudyPlanner.plan(spec, List.of(trial(1, Trial.COMPLETED, 0.5), trial(2, Trial.RUNNING, 0.2)))
                .finalStatus()).as("only completed trials count").isNull();
        StudyPlanner.Plan reached = StudyPlanner.plan(spec, List.of(trial(1, Trial.COMPLETED, 0.5, 0.3),
                trial(2, Trial.RUNNING, 0.4)));
        assertThat(reached.finalStatus()).isEqualTo("SUCCEEDED");
        assertThat(reached.reason()).contains("trial 1 reached the goal");
        assertThat(reached.stopActive()).isTrue();
    }

    @Test
    void theMedianRulePrunesARunningTrialWorseThanTheOthersButNeverAtItsLastEpoch() {
        StudySpec spec = study(", \"maxTrials\": 5, \"parallelTrials\": 5,"
                + " \"pruner\": {\"type\": \"median\", \"warmupEpochs\": 1, \"minTrials\": 3}");
        List<Trial> trials = List.of(trial(1, Trial.COMPLETED, 0.5, 0.4, 0.3, 0.3, 0.3, 0.3),
                trial(2, Trial.COMPLETED, 0.6, 0.5, 0.4, 0.4, 0.4, 0.4),
                trial(3, Trial.COMPLETED, 0.55, 0.45, 0.35, 0.3, 0.3, 0.3),
                trial(4, Trial.RUNNING, 0.9, 0.9),
                trial(5, Trial.RUNNING, 0.5, 0.35));

        List<StudyPlanner.Prune> prunes = StudyPlanner.plan(spec, trials).prunes();

        assertThat(prunes).extracting(StudyPlanner.Prune::trial).containsExactly(4);
        assertThat(prunes.get(0).epoch()).isEqualTo(2);
        assertThat(prunes.get(0).reason()).contains("median");
        Trial finishedTraining = trial(4, Trial.RUNNING, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9);
        assertThat(StudyPlanner.plan(spec, List.of(trials.get(0), trials.get(1), trials.get(2), finishedTraining))
                .prunes()).as("a trial past its last epoch is being tested").isEmpty();
    }
}
