package dev.kiln.gateway.triggers;

import dev.kiln.contracts.datasets.DatasetEventV1;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.store.faults.StoreFaults;
import dev.kiln.store.faults.StoreRetry;
import dev.kiln.store.triggers.TriggerRepository;
import dev.kiln.store.triggers.TriggerRepository.Trigger;
import dev.kiln.store.triggers.TriggerRepository.WhenKind;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Fires the triggers that Kiln's events match, read as CloudEvents (the {@code ce_*} headers every Kiln event
 * carries) from the event topics in application.properties, in one consumer group shared by the gateway replicas.
 * An offset is committed once its record is handled, so a record a crash interrupted is read again and the
 * firing, idempotent per cause ({@link TriggerFirings}), happens once. A data set trigger fires for the READY
 * event of its data set (the cause is {@code name@version}); an event trigger for each event of its type (and
 * subject) that happened after it was created (the cause is the event's {@code ce_id}).
 */
@ApplicationScoped
public class TriggerEvents {

    private static final String DATASET_READY = DatasetEventV1.eventType(DatasetEventV1.Type.READY);
    private static final Logger LOG = Logger.getLogger(TriggerEvents.class);
    private static final StoreRetry RETRY = StoreRetry.within(Duration.ofSeconds(60));
    private static final Pattern PLAIN_CAUSE = Pattern.compile("[\\x21-\\x7e]{1,100}");

    private final TriggerRepository triggers;
    private final TriggerFirings firings;

    public TriggerEvents(TriggerRepository triggers, TriggerFirings firings) {
        this.triggers = triggers;
        this.firings = firings;
    }

    @Incoming("trigger-events")
    @Blocking
    public void receive(ConsumerRecord<String, String> record) {
        String type = header(record, "ce_type");
        String id = header(record, "ce_id");
        if (type == null || id == null) {
            return; // not a CloudEvent: nothing a trigger can match
        }
        try {
            RETRY.run("Firing the triggers of event " + id, () -> fireMatching(record, type, id));
        } catch (RuntimeException e) {
            if (!StoreFaults.unavailable(e)) {
                throw e;
            }
            LOG.warnf("Event %s (%s) fired no trigger: the store stayed unavailable (%s); data set and schedule"
                    + " triggers catch up by their sweep, event triggers miss it", id, type, e.getMessage());
        }
    }

    private void fireMatching(ConsumerRecord<String, String> record, String type, String id) {
        String subject = header(record, "ce_subject");
        if (type.equals(DATASET_READY)) {
            DatasetEventV1 ready = Json.read(record.value(), DatasetEventV1.class);
            String version = ready.dataset() + "@" + ready.version();
            for (Trigger trigger : active(WhenKind.DATASET_READY)) {
                if (trigger.dataset().equals(ready.dataset())) {
                    firings.fire(trigger, version, version);
                }
            }
        }
        Instant time = time(record);
        for (Trigger trigger : active(WhenKind.EVENT)) {
            if (trigger.eventType().equals(type)
                    && (trigger.eventSubject() == null || trigger.eventSubject().equals(subject))
                    && (time == null || time.isAfter(trigger.createdAt()))) {
                firings.fire(trigger, cause(id), null);
            }
        }
    }

    private List<Trigger> active(WhenKind kind) {
        return QuarkusTransaction.requiringNew().call(() -> triggers.active(kind));
    }

    /** The event id as a firing's cause: as it is when short and plain (Kiln's are UUIDs), else its digest. */
    static String cause(String eventId) {
        if (PLAIN_CAUSE.matcher(eventId).matches()) {
            return eventId;
        }
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(eventId.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Instant time(ConsumerRecord<String, String> record) {
        String time = header(record, "ce_time");
        try {
            return time == null ? null : Instant.parse(time);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
