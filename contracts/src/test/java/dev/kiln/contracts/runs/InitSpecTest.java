package dev.kiln.contracts.runs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.contracts.architectures.ArchitectureSummary;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.validation.FieldError;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which layers an init's freeze patterns select, which head it replaces, and what the validator refuses. */
class InitSpecTest {

    /** ResNet-18 on CIFAR-10: a stem, eight residual blocks (each followed by a relu), a pool and a head. */
    private static final ArchitectureSummary RESNET = TrainingSpec.of("cifar10", "resnet18", 1, 64, null, null, null)
            .summary();

    @Test
    void aNameSelectsItsLayerAndEverythingNestedInItAndStarMatchesAnything() {
        assertThat(InitSpec.matching("0", RESNET)).containsExactly("0");
        assertThat(InitSpec.matching("3", RESNET)).containsExactly("3", "3.layers.0", "3.layers.1", "3.layers.2",
                "3.layers.3", "3.layers.4");
        assertThat(InitSpec.matching("5.shortcut.*", RESNET)).isEmpty();
        assertThat(InitSpec.matching("7", RESNET)).contains("7.shortcut.0", "7.shortcut.1");
        assertThat(InitSpec.matching("*", RESNET)).hasSize(RESNET.layers().size() + 6);
        assertThat(InitSpec.matching("conv*", RESNET)).isEmpty();
    }

    @Test
    void theHeadIsTheLastLinearLayerAndAReplacedOneIsNeverFrozen() {
        InitSpec everything = InitSpec.fromRun("id").freezing(List.of("*"));

        assertThat(InitSpec.headLayer(RESNET)).isEqualTo("21");
        assertThat(everything.frozenLayers(RESNET, true)).doesNotContain("21").contains("0", "3.layers.0");
        assertThat(everything.frozenLayers(RESNET, false)).contains("21");
    }

    @Test
    void theHeadIsReplacedForAnotherDataSetOrClassCountUnlessTheSpecSays() {
        InitSpec byDefault = InitSpec.fromRun("id");
        InitSpec kept = InitSpec.fromRun("id").replacingHead(false);

        assertThat(byDefault.replacesHead("flowers@1", 5, "flowers@2", 5)).isFalse();
        assertThat(byDefault.replacesHead("flowers@1", 5, "flowers@2", 6)).isTrue();
        assertThat(byDefault.replacesHead("fashion-mnist", 10, "mnist", 10)).isTrue();
        assertThat(kept.replacesHead("fashion-mnist", 10, "mnist", 10)).isFalse();
    }

    @Test
    void theValidatorNamesEveryProblemOfAnInit() {
        List<FieldError> errors = errors("""
                {"dataset": "mnist-sample", "model": "mnist-cnn", "epochs": 3,
                 "init": {"run": "not-a-uuid", "freeze": ["0", "conv*", " "], "unfreezeAtEpoch": 4,
                          "headLearningRate": -1}}""");

        assertThat(errors).extracting(FieldError::field).containsExactlyInAnyOrder("spec.init.run",
                "spec.init.freeze[2]", "spec.init.unfreezeAtEpoch", "spec.init.headLearningRate", "spec.init.freeze[1]");
        assertThat(errors).filteredOn(e -> e.field().equals("spec.init.freeze[1]")).singleElement()
                .extracting(FieldError::message).asString().contains("matches no layer", "[0, 1, 2, 3");
    }

    @Test
    void aSpecWithAnInitMayOmitItsModelButNotNameTwoBases() {
        assertThat(errors("{\"dataset\": \"mnist-sample\", \"init\": {\"model\": \"digits@2\"}}")).isEmpty();
        assertThat(errors("{\"dataset\": \"mnist-sample\", \"init\": {\"model\": \"digits\", \"run\": "
                + "\"6c3a0b52-0000-4000-8000-000000000000\"}}")).extracting(FieldError::field).containsExactly("spec.init");
        assertThat(errors("{\"dataset\": \"mnist-sample\"}")).extracting(FieldError::field).containsExactly("spec.model");
    }

    private static List<FieldError> errors(String spec) {
        return TrainingSpecValidator.validate(Json.readStrict(spec, TrainingSpec.class), "spec");
    }
}
