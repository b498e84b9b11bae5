package dev.kiln.messaging;

import io.smallrye.config.ConfigMapping;
import java.time.Duration;
import java.util.Set;

/** The outbox relay ({@code kiln.outbox.*}); defaults in this module's microprofile-config.properties. */
@ConfigMapping(prefix = "kiln.outbox")
public interface OutboxConfig {

    /** How often the relay looks for rows no commit announced. */
    Duration pollInterval();

    /** Rows read per round. */
    int batchSize();

    /** How long the relay waits for Kafka to acknowledge one message; longer than the producer's own limits. */
    Duration sendTimeout();

    /** How long published rows are kept before they are deleted. */
    Duration keepPublished();

    /**
     * The CloudEvents {@code source} of every event this deployment publishes (a URI reference); with
     * {@code ce_id}, a UUID, it identifies an event.
     */
    String eventSource();

    /**
     * The topics this service publishes, and so the only ones its Kafka user may write (k8s-checks derives the
     * service's ACLs from this list): {@link Outbox#publish} refuses any other, and the relay of this service
     * sends only rows of these, leaving the rest of the shared table to the services that own them.
     */
    Set<String> topics();
}
