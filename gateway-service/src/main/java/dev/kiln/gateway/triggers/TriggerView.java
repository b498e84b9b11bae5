package dev.kiln.gateway.triggers;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.studies.StudySpec;
import dev.kiln.gateway.runs.CreateRunRequest;
import dev.kiln.store.triggers.TriggerRepository.Firing;
import dev.kiln.store.triggers.TriggerRepository.Trigger;
import java.time.Instant;
import java.util.UUID;

/** A trigger as the API shows it: with the run it submits or the study it starts. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TriggerView(UUID id, String name, TriggerRequest.When when, CreateRunRequest run, StudySpec study,
        boolean paused, String createdBy, Instant createdAt) {

    static TriggerView of(Trigger t) {
        TriggerRequest.When when = switch (t.kind()) {
            case DATASET_READY -> new TriggerRequest.When(t.dataset(), null, null);
            case EVENT -> new TriggerRequest.When(null, new TriggerRequest.EventCondition(t.eventType(),
                    t.eventSubject()), null);
            case SCHEDULE -> new TriggerRequest.When(null, null, t.cron());
        };
        return new TriggerView(t.id(), t.name(), when,
                t.runRequest() == null ? null : Json.read(t.runRequest(), CreateRunRequest.class),
                t.studyRequest() == null ? null : Json.read(t.studyRequest(), StudySpec.class), t.paused(),
                t.createdBy(), t.createdAt());
    }

    /** One firing: the cause, and the run submitted or study started, or why none was. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record FiringView(String cause, Instant firedAt, UUID runId, UUID studyId, String error) {

        static FiringView of(Firing f) {
            return new FiringView(f.cause(), f.firedAt(), f.runId(), f.studyId(), f.error());
        }
    }
}
