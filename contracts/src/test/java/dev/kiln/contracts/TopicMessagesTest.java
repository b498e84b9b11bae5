package dev.kiln.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.messaging.TopicMessage;
import dev.kiln.contracts.messaging.Topics;
import dev.kiln.contracts.models.ModelPromotedV1;
import dev.kiln.contracts.models.ModelServingEventV1;
import dev.kiln.contracts.runs.RunCommandV1;
import dev.kiln.contracts.runs.RunEventV1;
import dev.kiln.contracts.runs.TrainRequestV1;
import dev.kiln.contracts.runs.TrainingSpec;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Each message names its topic and key; neither is part of its JSON form. */
class TopicMessagesTest {

    private static final UUID RUN = UUID.fromString("0b5e3c1e-5d4f-4a8e-9a57-1c2d3e4f5a6b");
    private static final Instant AT = Instant.parse("2026-12-01T10:00:00Z");

    @Test
    void everyMessageGoesToItsTopicUnderItsKeyAndKeepsItsDocumentedJson() {
        List<TopicMessage> messages = List.of(
                TrainRequestV1.of(RUN, TrainingSpec.of("mnist-sample", "mlp", 1, 64, "sgd", 0.1, 1L), AT),
                RunEventV1.queued(RUN, null, AT, null, null),
                RunCommandV1.cancel(RUN, AT),
                new ModelPromotedV1(ModelPromotedV1.SCHEMA, "digits", "champion", 2, RUN, "ab", 1,
                        ModelPromotedV1.Reason.POLICY, AT, null),
                new ModelServingEventV1(ModelServingEventV1.SCHEMA, ModelServingEventV1.Type.LOADED, "inference-1",
                        "digits", "champion", 2, null, AT));

        assertThat(messages).extracting(TopicMessage::topic).containsExactly(Topics.TRAIN_REQUESTS, Topics.RUN_EVENTS,
                Topics.RUN_COMMANDS, Topics.MODEL_PROMOTIONS, Topics.MODEL_SERVING_EVENTS);
        assertThat(messages).extracting(TopicMessage::key).containsExactly(RUN.toString(), RUN.toString(),
                RUN.toString(), "digits/champion", "digits");
        assertThat(messages).allSatisfy(message -> assertThat(Json.write(message))
                .doesNotContain("\"topic\"", "\"key\""));
    }
}
