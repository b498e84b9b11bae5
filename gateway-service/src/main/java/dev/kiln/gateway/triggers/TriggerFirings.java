package dev.kiln.gateway.triggers;

import dev.kiln.access.Caller;
import dev.kiln.contracts.access.Role;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.gateway.api.InvalidRequestException;
import dev.kiln.gateway.quotas.QuotaExceededException;
import dev.kiln.gateway.runs.CreateRunRequest;
import dev.kiln.gateway.runs.RunSubmissions;
import dev.kiln.store.triggers.TriggerRepository;
import dev.kiln.store.triggers.TriggerRepository.Firing;
import dev.kiln.store.triggers.TriggerRepository.Trigger;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Fires a trigger for a cause, at most once per cause, whichever replica, thread or retry gets there: the run
 * is submitted with the idempotency key {@code trigger/<id>/<cause>}, so a second attempt (the same event
 * delivered again after a crash, the sweep and the event consumer at once, two replicas) gets the run the
 * first one created, and the firing row's key is the same pair. A run the cause cannot start (the spec does
 * not fit the new data set version, a quota) is recorded as a firing with its reason.
 */
@ApplicationScoped
public class TriggerFirings {

    private static final Logger LOG = Logger.getLogger(TriggerFirings.class);

    private final TriggerRepository triggers;
    private final RunSubmissions runs;

    public TriggerFirings(TriggerRepository triggers, RunSubmissions runs) {
        this.triggers = triggers;
        this.runs = runs;
    }

    /**
     * Fires {@code trigger} for {@code cause} unless it already fired for it.
     *
     * @param datasetVersion for a data set trigger, the version to train on ({@code name@version}); else null
     */
    public void fire(Trigger trigger, String cause, String datasetVersion) {
        if (QuarkusTransaction.requiringNew().call(() -> triggers.fired(trigger.id(), cause))) {
            return;
        }
        CreateRunRequest request = Json.read(trigger.runRequest(), CreateRunRequest.class);
        if (datasetVersion != null) {
            request = new CreateRunRequest(request.spec().onDataset(datasetVersion), request.experiment(),
                    request.registeredModel());
        }
        // The trigger acts for whoever created it, with the role it takes to submit a run.
        Caller creator = new Caller(trigger.createdBy(), trigger.project(), Role.MEMBER);
        UUID runId = null;
        String error = null;
        try {
            runId = runs.submit(request, idempotencyKey(trigger, cause), creator).run().id();
        } catch (InvalidRequestException e) {
            error = "the run is not valid for this cause: " + e.violations().stream().map(Object::toString)
                    .collect(Collectors.joining("; "));
        } catch (QuotaExceededException e) {
            error = e.getMessage();
        }
        Firing firing = new Firing(trigger.id(), cause, Instant.now().truncatedTo(ChronoUnit.MICROS), runId, error);
        if (QuarkusTransaction.requiringNew().call(() -> triggers.recordFiring(firing))) {
            if (runId != null) {
                LOG.infof("Trigger %s (%s) fired for %s: run %s", trigger.name(), trigger.project(), cause, runId);
            } else {
                LOG.warnf("Trigger %s (%s) fired for %s but submitted no run: %s", trigger.name(), trigger.project(),
                        cause, error);
            }
        }
    }

    static String idempotencyKey(Trigger trigger, String cause) {
        return "trigger/" + trigger.id() + "/" + cause;
    }
}
