package dev.kiln.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.contracts.audit.AuditEventV1;
import dev.kiln.contracts.datasets.DatasetEventV1;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.messaging.MalformedMessageException;
import dev.kiln.contracts.models.ModelPromotedV1;
import dev.kiln.contracts.models.PromotionEvidence;
import dev.kiln.contracts.models.ModelServingEventV1;
import dev.kiln.contracts.models.RolloutEventV1;
import dev.kiln.contracts.predictions.PredictionLoggedV1;
import dev.kiln.contracts.predictions.RankedClass;
import dev.kiln.contracts.runs.MisclassifiedExample;
import dev.kiln.contracts.runs.RunCommandV1;
import dev.kiln.contracts.runs.RunEventType;
import dev.kiln.contracts.runs.RunEventV1;
import dev.kiln.contracts.runs.TrainRequestV1;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.contracts.studies.StudySpec;
import dev.kiln.contracts.studies.StudySpecValidator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The JSON documented in contracts/README.md is exactly what the records read and write. */
class ContractExamplesTest {

    private static final Pattern EXAMPLE =
            Pattern.compile("<!-- example: (\\w+) -->\\s*```json\\s*(.*?)```", Pattern.DOTALL);
    private static final Map<String, String> EXAMPLES = new HashMap<>();

    @BeforeAll
    static void readReadme() throws Exception {
        Matcher m = EXAMPLE.matcher(Files.readString(Path.of("README.md")));
        while (m.find()) {
            EXAMPLES.put(m.group(1), m.group(2));
        }
        assertThat(EXAMPLES).containsOnlyKeys("TrainingSpec", "StudySpec", "TrainRequestV1", "RunEventV1",
                "RunCommandV1", "ModelPromotedV1", "ModelServingEventV1", "DatasetEventV1", "AuditEventV1",
                "MisclassifiedExample", "PredictionLoggedV1", "RolloutEventV1");
    }

    @Test
    void documentedPredictionRoundTripsKeyedByModelAboutThePrediction() throws Exception {
        PredictionLoggedV1 prediction = Json.read(EXAMPLES.get("PredictionLoggedV1"), PredictionLoggedV1.class);

        assertThat(prediction.top()).extracting(RankedClass::label).containsExactly("7", "1", "9");
        assertThat(prediction.key()).isEqualTo("mnist-digits");
        assertThat(prediction.eventSubject()).isEqualTo("5d0e8c57-3f0a-4b1e-9a3c-2f1d7e6b8a90");
        assertSameJson(Json.write(prediction), EXAMPLES.get("PredictionLoggedV1"));
    }

    @Test
    void documentedRolloutEventRoundTripsKeyedByModel() throws Exception {
        RolloutEventV1 event = Json.read(EXAMPLES.get("RolloutEventV1"), RolloutEventV1.class);

        assertThat(event.observed().agreement()).isEqualTo(6 / 61.0);
        assertThat(event.key()).isEqualTo("mnist-digits");
        assertThat(event.eventType()).isEqualTo("dev.kiln.rollout.rolled-back.v1");
        assertSameJson(Json.write(event), EXAMPLES.get("RolloutEventV1"));
    }

    @Test
    void documentedAuditEventRoundTrips() throws Exception {
        AuditEventV1 event = Json.read(EXAMPLES.get("AuditEventV1"), AuditEventV1.class);

        assertThat(event.status()).isEqualTo(403);
        assertThat(event.key()).isEqualTo("default");
        assertSameJson(Json.write(event), EXAMPLES.get("AuditEventV1"));
    }

    @Test
    void documentedMisclassifiedExampleRoundTripsAndIsWhatItsStoredFormServes() throws Exception {
        MisclassifiedExample example = Json.read(EXAMPLES.get("MisclassifiedExample"), MisclassifiedExample.class);
        float[] stored = new float[example.probabilities().size()];
        for (int c = 0; c < stored.length; c++) {
            stored[c] = example.probabilities().get(c).floatValue();
        }

        assertSameJson(Json.write(example), EXAMPLES.get("MisclassifiedExample"));
        assertThat(MisclassifiedExample.of(1187, 4, 9, stored, List.of("0", "1", "2", "3", "4", "5", "6", "7", "8",
                "9"), example.image())).isEqualTo(example);
        assertThat(example.probabilities().stream().mapToDouble(Double::doubleValue).sum()).isCloseTo(1.0,
                within(1e-5));
    }

    @Test
    void documentedDatasetEventRoundTrips() throws Exception {
        DatasetEventV1 event = Json.read(EXAMPLES.get("DatasetEventV1"), DatasetEventV1.class);

        assertThat(event.type()).isEqualTo(DatasetEventV1.Type.READY);
        assertThat(event.key()).isEqualTo("flowers");
        assertSameJson(Json.write(event), EXAMPLES.get("DatasetEventV1"));
    }

    @Test
    void documentedTrainRequestRoundTrips() throws Exception {
        TrainRequestV1 request = Json.read(EXAMPLES.get("TrainRequestV1"), TrainRequestV1.class).requireComplete();

        assertThat(request.spec().model().name()).isEqualTo("mnist-cnn");
        assertThat(request.spec().modelArgs()).containsEntry("n_feature", 32.0);
        assertThat(request.spec().withDefaults()).isEqualTo(request.spec());
        assertSameJson(Json.write(request), EXAMPLES.get("TrainRequestV1"));
    }

    @Test
    void documentedRunEventRoundTrips() throws Exception {
        RunEventV1 event = Json.read(EXAMPLES.get("RunEventV1"), RunEventV1.class);

        assertThat(event.type()).isEqualTo(RunEventType.CLAIMED);
        assertSameJson(Json.write(event), EXAMPLES.get("RunEventV1"));
    }

    @Test
    void documentedRunCommandRoundTrips() throws Exception {
        RunCommandV1 command = Json.read(EXAMPLES.get("RunCommandV1"), RunCommandV1.class);

        assertThat(command.type()).isEqualTo(RunCommandV1.Type.CANCEL);
        assertSameJson(Json.write(command), EXAMPLES.get("RunCommandV1"));
    }

    @Test
    void documentedPromotionRoundTrips() throws Exception {
        ModelPromotedV1 promotion = Json.read(EXAMPLES.get("ModelPromotedV1"), ModelPromotedV1.class);

        assertThat(promotion.reason()).isEqualTo(ModelPromotedV1.Reason.POLICY);
        assertThat(promotion.previousVersion()).isEqualTo(2);
        assertThat(promotion.evidence().championOn()).isEqualTo(PromotionEvidence.MeasuredOn.CHALLENGER_TEST_SPLIT);
        assertSameJson(Json.write(promotion), EXAMPLES.get("ModelPromotedV1"));
    }

    @Test
    void aFirstPromotionHasNoPreviousVersion() {
        ModelPromotedV1 promotion = Json.read(EXAMPLES.get("ModelPromotedV1"), ModelPromotedV1.class);
        ModelPromotedV1 first = new ModelPromotedV1(promotion.schema(), promotion.model(), promotion.alias(), 1,
                promotion.runId(), promotion.checkpointSha256(), null, ModelPromotedV1.Reason.MANUAL,
                promotion.promotedAt(), null);

        assertThat(Json.write(first)).doesNotContain("previousVersion").doesNotContain("evidence");
    }

    @Test
    void documentedServingEventRoundTrips() throws Exception {
        ModelServingEventV1 event = Json.read(EXAMPLES.get("ModelServingEventV1"), ModelServingEventV1.class);

        assertThat(event.type()).isEqualTo(ModelServingEventV1.Type.LOAD_FAILED);
        assertSameJson(Json.write(event), EXAMPLES.get("ModelServingEventV1"));
    }

    @Test
    void documentedSpecIsComplete() {
        TrainingSpec spec = Json.read(EXAMPLES.get("TrainingSpec"), TrainingSpec.class);

        assertThat(spec.withDefaults()).isEqualTo(spec);
    }

    @Test
    void documentedStudyRoundTripsIsValidAndIsTheExampleFile() throws Exception {
        StudySpec study = Json.readStrict(EXAMPLES.get("StudySpec"), StudySpec.class);

        assertThat(StudySpecValidator.validate(study, "")).isEmpty();
        assertThat(study).isEqualTo(Json.readStrict(Files.readString(Path.of("../examples/fashion-mnist-study.json")),
                StudySpec.class));
        assertSameJson(Json.write(study), EXAMPLES.get("StudySpec"));
    }

    @Test
    void readersIgnoreFieldsAddedWithinTheVersion() {
        String withExtra = EXAMPLES.get("RunEventV1").replace("\"type\"", "\"addedLater\": 1, \"type\"");

        assertThat(Json.read(withExtra, RunEventV1.class).type()).isEqualTo(RunEventType.CLAIMED);
    }

    @Test
    void wrongSchemaOrMissingFieldsAreMalformed() {
        String otherVersion = EXAMPLES.get("TrainRequestV1").replace("train-request.v1", "train-request.v2");
        assertThatThrownBy(() -> Json.read(otherVersion, TrainRequestV1.class).requireComplete())
                .isInstanceOf(MalformedMessageException.class).hasMessageContaining("kiln.train-request.v2");

        assertThatThrownBy(() -> Json.read("{\"schema\":\"kiln.train-request.v1\"}", TrainRequestV1.class)
                .requireComplete()).isInstanceOf(MalformedMessageException.class).hasMessageContaining("runId");

        assertThatThrownBy(() -> Json.read("not json", TrainRequestV1.class))
                .isInstanceOf(MalformedMessageException.class);

        assertThatThrownBy(() -> Json.read("{\"schema\":\"kiln.run-event.v1\",\"type\":\"EPOCH\"}", RunEventV1.class)
                .requireComplete()).isInstanceOf(MalformedMessageException.class).hasMessageContaining("runId");
        assertThat(Json.read(EXAMPLES.get("RunEventV1"), RunEventV1.class).requireComplete().type().isTerminal())
                .isFalse();
    }

    private static void assertSameJson(String actual, String expected) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        JsonNode a = mapper.readTree(actual);
        JsonNode e = mapper.readTree(expected);
        assertThat(a).isEqualTo(e);
    }
}
