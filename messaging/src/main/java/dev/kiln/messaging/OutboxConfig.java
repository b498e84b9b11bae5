package dev.kiln.messaging;

import io.smallrye.config.ConfigMapping;
import java.time.Duration;

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
}
