package dev.kiln.inference.serving;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.models.ModelServingEventV1;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/** Publishes what this replica did with a version, keyed by model name. */
@ApplicationScoped
public class ServingEvents {

    private static final Logger LOG = Logger.getLogger(ServingEvents.class);

    private final MutinyEmitter<String> emitter;
    private final ReplicaIdentity replica;

    public ServingEvents(@Channel("serving-events") MutinyEmitter<String> emitter, ReplicaIdentity replica) {
        this.emitter = emitter;
        this.replica = replica;
    }

    /** A lost event is logged, never thrown: serving must not depend on Kafka being up. */
    public void publish(ModelServingEventV1.Type type, VersionRef ref, String reason) {
        ModelServingEventV1 event = new ModelServingEventV1(ModelServingEventV1.SCHEMA, type, replica.id(), ref.model(),
                ref.alias(), ref.version(), reason, Instant.now());
        try {
            emitter.sendMessage(Message.of(Json.write(event)).addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                    .withKey(ref.model()).build()))
                    .await().atMost(Duration.ofSeconds(20));
        } catch (RuntimeException e) {
            LOG.warnf("Could not publish %s event for %s: %s", type, ref, e.getMessage());
        }
    }
}
