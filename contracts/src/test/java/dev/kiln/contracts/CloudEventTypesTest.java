package dev.kiln.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.contracts.audit.AuditEventV1;
import dev.kiln.contracts.datasets.DatasetEventV1;
import dev.kiln.contracts.messaging.TopicMessage;
import dev.kiln.contracts.models.ModelPromotedV1;
import dev.kiln.contracts.models.ModelServingEventV1;
import dev.kiln.contracts.models.RolloutEventV1;
import dev.kiln.contracts.models.RolloutPolicy;
import dev.kiln.contracts.predictions.PredictionLoggedV1;
import dev.kiln.contracts.predictions.RankedClass;
import dev.kiln.contracts.runs.RunCommandV1;
import dev.kiln.contracts.runs.RunEventType;
import dev.kiln.contracts.runs.RunEventV1;
import dev.kiln.contracts.runs.TrainRequestV1;
import dev.kiln.contracts.runs.TrainingSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The {@code ce_type} table in contracts/README.md is exactly what the message records say, kind by kind. */
class CloudEventTypesTest {

    private static final Pattern ROW = Pattern.compile("^\\| `(kiln\\.[a-z0-9.-]+)` \\| (`dev\\.kiln\\..*) \\|$",
            Pattern.MULTILINE);
    private static final Pattern TYPE = Pattern.compile("`([^`]+)`");

    @Test
    void everyKindOfEventHasTheDocumentedType() throws Exception {
        Map<String, Set<String>> documented = new TreeMap<>();
        Matcher row = ROW.matcher(Files.readString(Path.of("README.md")));
        while (row.find()) {
            Matcher type = TYPE.matcher(row.group(2));
            while (type.find()) {
                documented.computeIfAbsent(row.group(1), t -> new TreeSet<>()).add(type.group(1));
            }
        }

        Map<String, Set<String>> declared = everyKindOfMessage().stream().collect(Collectors.groupingBy(
                TopicMessage::topic, TreeMap::new, Collectors.mapping(TopicMessage::eventType,
                        Collectors.toCollection(TreeSet::new))));

        assertThat(documented).isEqualTo(declared);
    }

    @Test
    void typesAreReverseDomainNamesWithTheContractsMajorVersion() {
        assertThat(everyKindOfMessage()).extracting(TopicMessage::eventType)
                .allMatch(type -> type.matches("dev\\.kiln\\.[a-z-]+\\.[a-z-]+\\.v1"));
        assertThat(new ModelServingEventV1(ModelServingEventV1.SCHEMA, ModelServingEventV1.Type.LOAD_FAILED, "r",
                "m", null, 1, "x", Instant.EPOCH).eventType()).isEqualTo("dev.kiln.serving.load-failed.v1");
    }

    /** One message of every kind each record can be (each value of its type enum). */
    private static List<TopicMessage> everyKindOfMessage() {
        UUID run = UUID.randomUUID();
        Instant at = Instant.EPOCH;
        List<TopicMessage> all = new ArrayList<>();
        all.add(TrainRequestV1.of(run, TrainingSpec.of("mnist-sample", "mlp", 1, 20, "sgd", 0.01, 7L), at));
        Arrays.stream(RunEventType.values()).forEach(type -> all.add(RunEventV1.of(run, type, "w", at)));
        Arrays.stream(RunCommandV1.Type.values())
                .forEach(type -> all.add(new RunCommandV1(RunCommandV1.SCHEMA, run, type, at)));
        Arrays.stream(ModelPromotedV1.Reason.values()).forEach(reason -> all.add(new ModelPromotedV1(
                ModelPromotedV1.SCHEMA, "m", "champion", 1, run, "ab", null, reason, at, null)));
        Arrays.stream(RolloutEventV1.Type.values()).forEach(type -> all.add(new RolloutEventV1(RolloutEventV1.SCHEMA,
                UUID.randomUUID(), type, "m", RolloutPolicy.Mode.CANARY, 2, 1, 0, 10, null, null, at)));
        Arrays.stream(ModelServingEventV1.Type.values()).forEach(type -> all.add(new ModelServingEventV1(
                ModelServingEventV1.SCHEMA, type, "r", "m", "champion", 1, null, at)));
        Arrays.stream(DatasetEventV1.Type.values()).forEach(type -> all.add(new DatasetEventV1(
                DatasetEventV1.SCHEMA, type, "d", 1, "ab", null, null, null, at)));
        all.add(new AuditEventV1(AuditEventV1.SCHEMA, UUID.randomUUID(), at, "a", "default", "POST", "/x", 202, null,
                null));
        all.add(new PredictionLoggedV1(PredictionLoggedV1.SCHEMA, UUID.randomUUID(), "default", "m", 1, "champion",
                "r", "ab", List.of(new RankedClass("7", 7, 0.9)), 1.5, at));
        return all;
    }
}
