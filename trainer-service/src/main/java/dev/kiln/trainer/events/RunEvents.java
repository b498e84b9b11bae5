package dev.kiln.trainer.events;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.runs.RunEventV1;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/** Publishes run events, keyed by run id so each run's events stay in order on one partition. */
@ApplicationScoped
public class RunEvents {

    private static final Logger LOG = Logger.getLogger(RunEvents.class);

    private final MutinyEmitter<String> emitter;

    public RunEvents(@Channel("run-events") MutinyEmitter<String> emitter) {
        this.emitter = emitter;
    }

    /** Call after the store holds what the event announces; a lost event only delays watchers, so it is logged. */
    public void publish(RunEventV1 event) {
        try {
            emitter.sendMessage(Message.of(Json.write(event)).addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                    .withKey(event.runId().toString()).build()))
                    .await().atMost(Duration.ofSeconds(20));
        } catch (RuntimeException e) {
            LOG.warnf("Could not publish %s event for run %s: %s", event.type(), event.runId(), e.getMessage());
        }
    }
}
