package dev.kiln.contracts.studies;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.validation.FieldError;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StudySpecValidatorTest {

    private static final String FASHION = "{\"dataset\": \"fashion-mnist\", \"model\": \"mnist-cnn\", \"epochs\": 4}";

    /** A study of {@code base} searching {@code parameters} (a JSON array), with more top-level fields. */
    private static StudySpec study(String base, String parameters, String more) {
        return Json.readStrict("{\"base\": " + base + ", \"parameters\": " + parameters
                + (more.isEmpty() ? "" : ", " + more) + "}", StudySpec.class);
    }

    private static List<FieldError> errors(String base, String parameters, String more) {
        return StudySpecValidator.validate(study(base, parameters, more), "");
    }

    private static List<String> fields(String base, String parameters, String more) {
        return errors(base, parameters, more).stream().map(FieldError::field).toList();
    }

    private static String message(List<FieldError> errors, String field) {
        return errors.stream().filter(e -> e.field().equals(field)).map(FieldError::message).findFirst()
                .orElseThrow(() -> new AssertionError("no error on " + field + " in " + errors));
    }

    private static final String LR = "[{\"name\": \"learningRate\", \"type\": \"categorical\", \"values\": [0.001, 0.01]}]";

    @Test
    void aSmallStudyIsValid() {
        assertThat(errors(FASHION, LR, "")).isEmpty();
        assertThat(errors(FASHION, LR, "\"algorithm\": \"random\", \"maxTrials\": 30, \"parallelTrials\": 4,"
                + " \"pruner\": {\"type\": \"asha\"}, \"objective\": {\"metric\": \"validation.accuracy\"},"
                + " \"registeredModel\": \"fashion.cnn_v2\", \"experiment\": \"lr-sweep\"")).isEmpty();
    }

    @Test
    void missingStudyIsOneError() {
        assertThat(StudySpecValidator.validate(null, "study")).containsExactly(new FieldError("study", "is required"));
    }

    @Test
    void pathsArePrefixedWithTheStudysPath() {
        StudySpec spec = study("{\"dataset\": \"imagenet\", \"model\": \"mlp\"}", "[]", "\"maxTrials\": 0");

        assertThat(StudySpecValidator.validate(spec, "study")).extracting(FieldError::field)
                .containsExactlyInAnyOrder("study.base.dataset", "study.parameters", "study.maxTrials");
        assertThat(StudySpecValidator.validate(spec, "")).extracting(FieldError::field)
                .containsExactlyInAnyOrder("base.dataset", "parameters", "maxTrials");
    }

    @Test
    void everyProblemIsListedWithItsField() {
        List<FieldError> errors = errors("{\"dataset\": \"fashion-mnist\", \"model\": \"mnist-cnn\", \"epochs\": 0}", """
                [{"name": "learningRate", "type": "double", "min": 0, "max": 0.1, "log": true},
                 {"name": "learningRate", "type": "categorical", "values": [0.1]},
                 {"name": "dataset", "type": "categorical", "values": ["cifar10"]},
                 {"type": "uniform"}]
                """, """
                "algorithm": "bayesian", "objective": {"metric": "validation.f1", "direction": "up"}, "maxTrials": 0,
                "parallelTrials": 100, "maxFailedTrials": -1, "pruner": {"type": "hyperband"},
                "registeredModel": "no spaces", "experiment": ""
                """);

        assertThat(errors).extracting(FieldError::field).containsExactlyInAnyOrder(
                "base.epochs", "algorithm", "parameters[0].min", "parameters[1].name", "parameters[2].name",
                "parameters[3].name", "parameters[3].type", "maxTrials", "parallelTrials", "maxFailedTrials",
                "objective.metric", "objective.direction", "pruner.type", "registeredModel", "experiment");
        assertThat(message(errors, "parameters[0].min")).isEqualTo("log-uniform needs min > 0, got 0.0");
        assertThat(message(errors, "parameters[1].name")).contains("searched twice").contains("parameters[0]");
        assertThat(message(errors, "parameters[2].name")).contains("'dataset' is not a searchable field")
                .contains("learningRate").contains("augmentation.hue").contains("modelArgs.<argument of the model>");
        assertThat(message(errors, "algorithm")).contains("bayesian").contains("[grid, random]");
        assertThat(message(errors, "objective.metric")).contains("validation.accuracy").contains("test.loss");
    }

    @Test
    void parametersAreRequired() {
        assertThat(fields(FASHION, "[]", "")).containsExactly("parameters");
        assertThat(StudySpecValidator.validate(Json.readStrict("{\"base\": " + FASHION + "}", StudySpec.class), ""))
                .containsExactly(new FieldError("parameters", "at least one parameter to search is required"));
        assertThat(fields(FASHION, "[null]", "")).containsExactly("parameters[0]");
    }

    @Test
    void modelArgumentsMustBeArgumentsOfTheModel() {
        List<FieldError> errors = errors("{\"dataset\": \"cifar10\", \"model\": \"confignet\"}", """
                [{"name": "modelArgs.c1", "type": "categorical", "values": [48, 96]},
                 {"name": "modelArgs.n_feature", "type": "int", "min": 4, "max": 8}]
                """, "");

        assertThat(errors).extracting(FieldError::field).containsExactly("parameters[1].name");
        assertThat(errors.get(0).message()).isEqualTo("'n_feature' is not an argument of confignet; it takes [c1, c2, l1, d1]");
    }

    @Test
    void withASearchedModelAModelArgumentMustBeAnArgumentOfEveryModel() {
        String twoModels = "{\"name\": \"model\", \"type\": \"categorical\", \"values\": [\"mnist-cnn\", \"mlp\"]}";

        assertThat(errors(FASHION, "[" + twoModels + ", {\"name\": \"modelArgs.n_feature\", \"type\": \"int\","
                + " \"min\": 4, \"max\": 8}]", "")).containsExactly(
                new FieldError("parameters[1].name", "'n_feature' is not an argument of mlp, which takes none"));
        assertThat(errors(FASHION, "[" + twoModels + "]", ""))
                .as("the base's mnist-cnn arguments do not leak into the mlp trials").isEmpty();
    }

    @Test
    void categoricalValuesMustBeDistinctAndFitTheField() {
        List<FieldError> errors = errors(FASHION, """
                [{"name": "modelArgs.n_feature", "type": "categorical", "values": [8, 8.0, 12.5, null]},
                 {"name": "optimizer", "type": "categorical", "values": ["sgd", 1]},
                 {"name": "nesterov", "type": "categorical", "values": ["yes"]},
                 {"name": "batchSize", "type": "categorical", "values": [32, 3000000000]},
                 {"name": "learningRate", "type": "categorical", "values": [], "min": 0.1},
                 {"name": "momentum", "type": "categorical", "log": true, "step": 0.1, "max": 0.9}]
                """, "");

        assertThat(errors).extracting(FieldError::field).containsExactlyInAnyOrder(
                "parameters[0].values[1]", "parameters[0].values[2]", "parameters[0].values[3]",
                "parameters[1].values[1]", "parameters[2].values[0]", "parameters[3].values[1]",
                "parameters[4].values", "parameters[4].min", "parameters[5].values", "parameters[5].log",
                "parameters[5].step", "parameters[5].max");
        assertThat(message(errors, "parameters[0].values[1]")).isEqualTo("repeats values[0] (8.0)");
        assertThat(message(errors, "parameters[0].values[2]")).isEqualTo("modelArgs.n_feature needs whole numbers, got 12.5");
        assertThat(message(errors, "parameters[1].values[1]")).isEqualTo("optimizer needs strings, got 1");
        assertThat(message(errors, "parameters[2].values[0]")).isEqualTo("nesterov needs true or false, got yes");
        assertThat(message(errors, "parameters[4].min")).isEqualTo("applies to int and double parameters only");
    }

    @Test
    void rangesMustBeWellFormed() {
        List<FieldError> errors = errors(FASHION, """
                [{"name": "learningRate", "type": "double", "min": 0.1, "max": 0.01},
                 {"name": "batchSize", "type": "int", "min": 16.5, "step": 0},
                 {"name": "epochs", "type": "int", "min": 1, "max": 4, "step": 1.5, "values": [1]},
                 {"name": "weightDecay", "type": "double", "min": 0.0001, "max": 0.1, "log": true, "step": 0.001},
                 {"name": "optimizer", "type": "int", "min": 1, "max": 2},
                 {"name": "seed", "type": "double", "min": 1, "max": 2, "step": 1}]
                """, "\"algorithm\": \"random\"");

        assertThat(errors).extracting(FieldError::field).containsExactlyInAnyOrder(
                "parameters[0].max", "parameters[1].min", "parameters[1].max", "parameters[1].step",
                "parameters[2].values", "parameters[2].step", "parameters[3].step", "parameters[4].type",
                "parameters[5].type");
        assertThat(message(errors, "parameters[0].max")).isEqualTo("must be at least min (0.1), got 0.01");
        assertThat(message(errors, "parameters[3].step")).startsWith("cannot be combined with log");
        assertThat(message(errors, "parameters[4].type")).isEqualTo(
                "optimizer holds strings: search it with a categorical parameter");
        assertThat(message(errors, "parameters[5].type")).isEqualTo(
                "seed holds whole numbers: use an int or a categorical parameter");
    }

    @Test
    void gridSearchNeedsFiniteValues() {
        String range = "[{\"name\": \"learningRate\", \"type\": \"double\", \"min\": 0.001, \"max\": 0.1}]";

        assertThat(errors(FASHION, range, "")).containsExactly(
                new FieldError("parameters[0].step", "grid search needs values or a step: a double range has no finite values"));
        assertThat(errors(FASHION, range, "\"algorithm\": \"random\"")).isEmpty();
        assertThat(errors(FASHION, range.replace("}]", ", \"step\": 0.001}]"), "")).isEmpty();
    }

    @Test
    void gridBudgetMustFitTheGrid() {
        String grid = """
                [{"name": "modelArgs.c1", "type": "categorical", "values": [48, 96]},
                 {"name": "modelArgs.c2", "type": "categorical", "values": [96, 192]},
                 {"name": "modelArgs.l1", "type": "categorical", "values": [256, 512]}]
                """;
        String cifar = "{\"dataset\": \"cifar10\", \"model\": \"confignet\"}";

        assertThat(errors(cifar, grid, "\"maxTrials\": 20"))
                .containsExactly(new FieldError("maxTrials", "the grid has 8 combinations; maxTrials 20 exceeds it"));
        assertThat(errors(cifar, grid, "\"maxTrials\": 5")).as("runs the first 5 combinations").isEmpty();
        assertThat(errors(cifar, grid, "\"parallelTrials\": 9")).containsExactly(new FieldError("parallelTrials",
                "must be between 1 and 8 (maxTrials, at most 64), got 9"));
        assertThat(errors(cifar, grid, "\"parallelTrials\": 8")).isEmpty();
    }

    @Test
    void gridsOverTenThousandCombinationsAreRefused() {
        List<FieldError> errors = errors(FASHION, """
                [{"name": "seed", "type": "int", "min": 1, "max": 10001}]
                """, "");

        assertThat(errors).containsExactly(new FieldError("parameters", "the grid has 10001 combinations, more than"
                + " the 10000 allowed: search fewer values, or use random search"));
        assertThat(errors(FASHION, "[{\"name\": \"seed\", \"type\": \"int\", \"min\": -2000000000, \"max\": 2000000000},"
                + " {\"name\": \"epochs\", \"type\": \"int\", \"min\": -2000000000, \"max\": 2000000000},"
                + " {\"name\": \"batchSize\", \"type\": \"int\", \"min\": -2000000000, \"max\": 2000000000}]", ""))
                .singleElement().extracting(FieldError::message).asString().contains("too many combinations");
    }

    @Test
    void aGridOfTenThousandIsCheckedInFull() {
        long start = System.nanoTime();

        assertThat(errors(FASHION, "[{\"name\": \"seed\", \"type\": \"int\", \"min\": 1, \"max\": 10000}]", ""))
                .isEmpty();
        assertThat(System.nanoTime() - start).as("nanoseconds to check 10,000 trials").isLessThan(5_000_000_000L);
    }

    @Test
    void budgetsAreBounded() {
        String random = "\"algorithm\": \"random\", ";

        assertThat(fields(FASHION, LR, random + "\"maxTrials\": 10001")).containsExactly("maxTrials");
        assertThat(fields(FASHION, LR, random + "\"maxTrials\": 100, \"parallelTrials\": 65")).containsExactly("parallelTrials");
        assertThat(fields(FASHION, LR, random + "\"maxTrials\": 100, \"parallelTrials\": 64")).isEmpty();
        assertThat(fields(FASHION, LR, random + "\"parallelTrials\": 11"))
                .as("random search's default budget is 10").containsExactly("parallelTrials");
        assertThat(fields(FASHION, LR, "\"parallelTrials\": 0, \"maxFailedTrials\": 0")).containsExactly("parallelTrials");
    }

    @Test
    void objectiveGoalMustBeReachable() {
        assertThat(fields(FASHION, LR, "\"objective\": {\"metric\": \"validation.accuracy\", \"goal\": 95}"))
                .containsExactly("objective.goal");
        assertThat(fields(FASHION, LR, "\"objective\": {\"metric\": \"test.loss\", \"goal\": -1}"))
                .containsExactly("objective.goal");
        assertThat(fields(FASHION, LR, "\"objective\": {\"metric\": \"test.accuracy\", \"goal\": 0.92}")).isEmpty();
    }

    @Test
    void validationObjectivesAndPrunersNeedValidationData() {
        String noSplit = "{\"dataset\": \"fashion-mnist\", \"model\": \"mnist-cnn\", \"epochs\": 4, \"validationSplit\": 0}";

        List<FieldError> errors = errors(noSplit, LR, "\"pruner\": {\"type\": \"median\"}");
        assertThat(errors).extracting(FieldError::field).containsExactlyInAnyOrder("objective.metric", "pruner.type");
        assertThat(message(errors, "objective.metric")).startsWith("'validation.loss' needs validation data");
        assertThat(errors(noSplit, LR, "\"objective\": {\"metric\": \"test.loss\"}")).isEmpty();
        String searchedSplit = LR.replace("}]", "}, {\"name\": \"validationSplit\", \"type\": \"categorical\","
                + " \"values\": [0.2, 0]}]");
        assertThat(fields(FASHION, searchedSplit, "\"objective\": {\"metric\": \"test.accuracy\"}")).isEmpty();
        assertThat(fields(FASHION, searchedSplit, "\"objective\": {\"metric\": \"test.accuracy\"},"
                + " \"pruner\": {\"type\": \"asha\"}")).containsExactly("pruner.type");
    }

    @Test
    void prunerFieldsMustFitItsTypeAndTheEpochs() {
        assertThat(errors(FASHION, LR, "\"pruner\": {\"type\": \"asha\", \"minEpochs\": 4, \"reductionFactor\": 1,"
                + " \"warmupEpochs\": 1}")).extracting(FieldError::field).containsExactlyInAnyOrder(
                "pruner.minEpochs", "pruner.reductionFactor", "pruner.warmupEpochs");
        assertThat(message(errors(FASHION, LR, "\"pruner\": {\"type\": \"asha\", \"minEpochs\": 4}"), "pruner.minEpochs"))
                .isEqualTo("must be below the trials' epochs (4): the first rung must come before a trial ends; got 4");
        assertThat(errors(FASHION, LR, "\"pruner\": {\"type\": \"median\", \"warmupEpochs\": 4, \"minTrials\": 0,"
                + " \"reductionFactor\": 2}")).extracting(FieldError::field).containsExactlyInAnyOrder(
                "pruner.warmupEpochs", "pruner.minTrials", "pruner.reductionFactor");
        assertThat(fields(FASHION, LR, "\"pruner\": {\"type\": \"none\", \"minEpochs\": 1}"))
                .containsExactly("pruner.minEpochs");
        assertThat(fields(FASHION, LR, "\"pruner\": {\"type\": \"asha\", \"minEpochs\": 3, \"reductionFactor\": 2}")).isEmpty();
    }

    @Test
    void minTrialsAtRungIsAshasAndAtLeastOne() {
        assertThat(fields(FASHION, LR, "\"pruner\": {\"type\": \"asha\", \"minTrialsAtRung\": 8}")).isEmpty();
        assertThat(message(errors(FASHION, LR, "\"pruner\": {\"type\": \"asha\", \"minTrialsAtRung\": 0}"),
                "pruner.minTrialsAtRung")).isEqualTo("must be at least 1, got 0");
        assertThat(message(errors(FASHION, LR, "\"pruner\": {\"type\": \"median\", \"minTrialsAtRung\": 2}"),
                "pruner.minTrialsAtRung")).isEqualTo("applies to the asha pruner only");
    }

    @Test
    void prunerEpochsAreCheckedAgainstTheFewestEpochsATrialCanHave() {
        String epochs = LR.replace("}]", "}, {\"name\": \"epochs\", \"type\": \"int\", \"min\": 2, \"max\": 10}]");

        assertThat(fields(FASHION, epochs, "\"pruner\": {\"type\": \"asha\", \"minEpochs\": 2}"))
                .containsExactly("pruner.minEpochs");
        assertThat(fields(FASHION, epochs, "\"pruner\": {\"type\": \"asha\", \"minEpochs\": 1}")).isEmpty();
    }

    @Test
    void everyGridCombinationMustMakeAValidTrial() {
        List<FieldError> errors = errors("{\"dataset\": \"cifar10\", \"model\": \"confignet\"}", """
                [{"name": "modelArgs.c1", "type": "categorical", "values": [48, 2000]},
                 {"name": "modelArgs.c2", "type": "categorical", "values": [96, 192]}]
                """, "");

        assertThat(errors).containsExactly(new FieldError("parameters", "trial {modelArgs.c1=2000, modelArgs.c2=96} is"
                + " invalid: modelArgs.c1: must be between 1 and 1024, got 2000.0 (and 1 more trials)"));
    }

    @Test
    void combinationsThatOnlyFailTogetherAreFound() {
        List<FieldError> errors = errors(FASHION, """
                [{"name": "batchSize", "type": "categorical", "values": [64, 50000]},
                 {"name": "validationSplit", "type": "double", "min": 0.1, "max": 0.2, "step": 0.1}]
                """, "");

        assertThat(errors).singleElement().extracting(FieldError::message).asString()
                .startsWith("trial {batchSize=50000, validationSplit=0.2} is invalid: batchSize: is larger than the 48000"
                        + " training images");
    }

    @Test
    void randomSearchChecksTheExtremesItCanDraw() {
        List<FieldError> errors = errors("{\"dataset\": \"fashion-mnist\", \"model\": \"mlp\", \"nesterov\": true,"
                + " \"optimizer\": \"sgd\"}", """
                [{"name": "learningRate", "type": "double", "min": 0.001, "max": 20, "log": true},
                 {"name": "optimizer", "type": "categorical", "values": ["sgd", "adam"]},
                 {"name": "epochs", "type": "int", "min": 1, "max": 500, "step": 100}]
                """, "\"algorithm\": \"random\"");

        assertThat(errors).extracting(FieldError::message).containsExactlyInAnyOrder(
                "random search can draw {learningRate=20.0, optimizer=sgd, epochs=1}, which is invalid: learningRate:"
                        + " must be greater than 0 and at most 10, got 20.0 (and 3 more trials)",
                "random search can draw {learningRate=0.001, optimizer=adam, epochs=1}, which is invalid: nesterov:"
                        + " needs optimizer 'sgd' with momentum above 0 (and 3 more trials)");
    }

    @Test
    void tooManyExtremeCombinationsAreCheckedOneParameterAtATime() {
        List<String> parameters = new ArrayList<>();
        for (String name : List.of("learningRate", "momentum", "weightDecay", "mixupAlpha", "gradClipNorm",
                "augmentation.rotationDegrees", "augmentation.brightness", "schedule.gamma")) {
            parameters.add("{\"name\": \"" + name + "\", \"type\": \"double\", \"min\": 0.01, \"max\": 0.1}");
        }
        for (String name : List.of("batchSize", "seed", "augmentation.cropPadding", "earlyStopping.patience",
                "schedule.stepSize")) {
            parameters.add("{\"name\": \"" + name + "\", \"type\": \"int\", \"min\": 1, \"max\": 4}");
        }
        parameters.add("{\"name\": \"labelSmoothing\", \"type\": \"double\", \"min\": 0, \"max\": 1}");
        String base = "{\"dataset\": \"fashion-mnist\", \"model\": \"mlp\", \"optimizer\": \"sgd\", \"epochs\": 8,"
                + " \"schedule\": {\"type\": \"step\"}}";

        List<FieldError> errors = errors(base, parameters.toString(), "\"algorithm\": \"random\"");

        assertThat(errors).singleElement().extracting(FieldError::message).asString()
                .startsWith("random search can draw {learningRate=0.01, momentum=0.01,")
                .contains("schedule.stepSize=1, labelSmoothing=1.0}")
                .endsWith(", which is invalid: labelSmoothing: must be at least 0 and below 1, got 1.0");
    }

    @Test
    void searchedModelsAreCheckedAgainstTheData() {
        List<FieldError> errors = errors(FASHION, """
                [{"name": "model", "type": "categorical", "values": ["mnist-cnn", "vgg11", "resnet50"]}]
                """, "");

        assertThat(errors).extracting(FieldError::message).containsExactlyInAnyOrder(
                "trial {model=vgg11} is invalid: model: vgg11 needs images of at least 32x32; fashion-mnist has 28x28",
                "trial {model=resnet50} is invalid: model: unknown value 'resnet50'; one of [mlp, fc2layer, mnist-cnn,"
                        + " lenet, cifar-cnn, confignet, vgg11, vgg16, resnet18]");
    }

    @Test
    void theBaseMayLeaveOutWhatTheSearchFillsIn() {
        String base = "{\"dataset\": \"fashion-mnist\", \"model\": \"mlp\", \"epochs\": 6, \"batchSize\": 0,"
                + " \"schedule\": {\"type\": \"step\"}, \"earlyStopping\": {}, \"optimizer\": \"adam\", \"nesterov\": true}";

        assertThat(errors(base, """
                [{"name": "schedule.stepSize", "type": "int", "min": 2, "max": 3},
                 {"name": "earlyStopping.patience", "type": "categorical", "values": [2]},
                 {"name": "batchSize", "type": "categorical", "values": [32, 64]},
                 {"name": "optimizer", "type": "categorical", "values": ["sgd"]}]
                """, "")).isEmpty();
        assertThat(errors(base, """
                [{"name": "schedule.stepSize", "type": "int", "min": 2, "max": 3},
                 {"name": "optimizer", "type": "categorical", "values": ["sgd", "adam"]}]
                """, "")).extracting(FieldError::field)
                .as("problems the search does not fix stay the base's; the adam trials are the search's")
                .containsExactlyInAnyOrder("base.batchSize", "base.earlyStopping.patience");
        assertThat(errors("{\"dataset\": \"fashion-mnist\"}", """
                [{"name": "model", "type": "categorical", "values": ["mlp"]}]
                """, "")).extracting(FieldError::field).as("the base always names its model").containsExactly("base.model");
    }

    @Test
    void trialsAreNotCheckedWhileTheBaseIsInvalid() {
        assertThat(fields("{\"dataset\": \"fashion-mnist\", \"model\": \"mnist-cnn\", \"batchSize\": 0}", """
                [{"name": "modelArgs.n_feature", "type": "categorical", "values": [4, 5000]}]
                """, "")).containsExactly("base.batchSize");
    }

    @Test
    void aDeclarativeModelsLayerFieldsCanBeSearchedAndEveryTrialIsShapeChecked() {
        String base = "{\"dataset\": \"fashion-mnist\", \"epochs\": 2, \"model\": {\"layers\": ["
                + "{\"type\": \"conv2d\", \"out\": 8, \"kernel\": 3}, {\"type\": \"relu\"},"
                + " {\"type\": \"residual\", \"layers\": [{\"type\": \"conv2d\", \"out\": 8, \"kernel\": 3, \"padding\": 1}]},"
                + " {\"type\": \"flatten\"}, {\"type\": \"dropout\", \"rate\": 0.2}, {\"type\": \"linear\"}]}}";
        String widths = "[{\"name\": \"model.layers[0].out\", \"type\": \"categorical\", \"values\": [8, 16]},"
                + " {\"name\": \"model.layers[2].layers[0].out\", \"type\": \"categorical\", \"values\": [8, 16]},"
                + " {\"name\": \"model.layers[4].rate\", \"type\": \"categorical\", \"values\": [0.2, 0.4]}]";
        assertThat(errors(base, widths, "")).isEmpty();

        StudySpec study = study(base, widths, "");
        var trial = TrialSpecs.apply(study.base(), java.util.Map.of("model.layers[0].out", 16,
                "model.layers[2].layers[0].out", 8, "model.layers[4].rate", 0.3));
        assertThat(trial.model().layers().get(0).out()).isEqualTo(16);
        assertThat(trial.model().layers().get(2).layers().get(0).out()).isEqualTo(8);
        assertThat(trial.model().layers().get(4).rate()).isEqualTo(0.3);
        assertThat(study.base().model().layers().get(0).out()).as("the base is not changed").isEqualTo(8);

        // Every trial is shape-checked: a kernel larger than the image is named with the trial that has it.
        String tooLarge = "[{\"name\": \"model.layers[0].kernel\", \"type\": \"categorical\", \"values\": [3, 40]}]";
        assertThat(errors(base, tooLarge, "")).anySatisfy(e -> assertThat(e.message())
                .contains("model.layers[0].kernel").contains("40x40 window"));
        assertThat(message(errors(base, "[{\"name\": \"model.layers[9].out\", \"type\": \"categorical\","
                + " \"values\": [4]}]", ""), "parameters[0].name")).contains("names no layer");
        assertThat(message(errors(FASHION, "[{\"name\": \"model.layers[0].out\", \"type\": \"categorical\","
                + " \"values\": [4]}]", ""), "parameters[0].name")).contains("is not one");
    }
}
