package dev.kiln.gateway.studies;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.runs.RunEventType;
import dev.kiln.contracts.runs.RunEventV1;
import dev.kiln.store.studies.StudyRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Set;
import java.util.UUID;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Run events of trials wake their study's scheduler at once (the timer would, a few seconds later): an epoch
 * may let the pruner stop a trial, a finished run frees a slot for the next trial. One gateway replica takes
 * each event (a consumer group the replicas share).
 */
@ApplicationScoped
public class StudyEvents {

    private static final Set<RunEventType> RELEVANT = Set.of(RunEventType.EPOCH, RunEventType.COMPLETED,
            RunEventType.FAILED, RunEventType.CANCELLED);

    private final StudyRepository studies;
    private final StudyScheduler scheduler;

    public StudyEvents(StudyRepository studies, StudyScheduler scheduler) {
        this.studies = studies;
        this.scheduler = scheduler;
    }

    @Incoming("study-progress")
    @Blocking
    public void receive(String json) {
        RunEventV1 event = Json.read(json, RunEventV1.class);
        if (event.runId() == null || !RELEVANT.contains(event.type())) {
            return;
        }
        UUID study = QuarkusTransaction.requiringNew().call(() -> studies.studyOfRun(event.runId()));
        if (study != null) {
            scheduler.advance(study);
        }
    }
}
