package dev.kiln.gateway.triggers;

import dev.kiln.access.Caller;
import dev.kiln.contracts.access.Role;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.studies.StudySpec;
import dev.kiln.gateway.api.ConflictProblem;
import dev.kiln.gateway.api.InvalidRequestException;
import dev.kiln.gateway.api.NotFoundProblem;
import dev.kiln.gateway.quotas.QuotaExceededException;
import dev.kiln.gateway.runs.CreateRunRequest;
import dev.kiln.gateway.runs.RunSubmissions;
import dev.kiln.gateway.studies.Studies;
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
 * is submitted (or the study started) with the idempotency key {@code trigger/<id>/<cause>}, so a second attempt
 * (the same event delivered again after a crash, the sweep and the event consumer at once, two replicas) gets
 * the run or study the first one created, and the firing row's key is the same pair. One the cause cannot start
 * (the spec does not fit the new data set version, a quota) is recorded as a firing with its reason.
 */
@ApplicationScoped
public class TriggerFirings {

    private static final Logger LOG = Logger.getLogger(TriggerFirings.class);

    private final TriggerRepository triggers;
    private final RunSubmissions runs;
    private final Studies studies;

    public TriggerFirings(TriggerRepository triggers, RunSubmissions runs, Studies studies) {
        this.triggers = triggers;
        this.runs = runs;
        this.studies = studies;
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
        // The trigger acts for whoever created it, with the role that creating it took (a study it starts may
        // promote its best trial).
        Caller creator = new Caller(trigger.createdBy(), trigger.project(), Role.MAINTAINER);
        String key = idempotencyKey(trigger, cause);
        boolean study = trigger.studyRequest() != null;
        UUID runId = null;
        UUID studyId = null;
        String error = null;
        try {
            if (study) {
                StudySpec spec = Json.read(trigger.studyRequest(), StudySpec.class);
                if (datasetVersion != null) {
                    spec = spec.withBase(spec.base().onDataset(datasetVersion));
                }
                studyId = studies.create(spec, creator, key).id();
            } else {
                CreateRunRequest request = Json.read(trigger.runRequest(), CreateRunRequest.class);
                if (datasetVersion != null) {
                    request = new CreateRunRequest(request.spec().onDataset(datasetVersion), request.experiment(),
                            request.registeredModel());
                }
                runId = runs.submit(request, key, creator).run().id();
            }
        } catch (InvalidRequestException e) {
            error = "the " + (study ? "study" : "run") + " is not valid for this cause: " + e.violations().stream()
                    .map(Object::toString).collect(Collectors.joining("; "));
        } catch (QuotaExceededException | ConflictProblem | NotFoundProblem e) {
            // A quota, or what changed since the trigger was created (its model now another project's, its base
            // model gone): recorded as this cause's outcome, so that other triggers and causes still fire.
            error = e.getMessage();
        }
        Firing firing = new Firing(trigger.id(), cause, Instant.now().truncatedTo(ChronoUnit.MICROS), runId, studyId,
                error);
        if (QuarkusTransaction.requiringNew().call(() -> triggers.recordFiring(firing))) {
            if (error == null) {
                LOG.infof("Trigger %s (%s) fired for %s: %s", trigger.name(), trigger.project(), cause,
                        study ? "study " + studyId : "run " + runId);
            } else {
                LOG.warnf("Trigger %s (%s) fired for %s but started nothing: %s", trigger.name(), trigger.project(),
                        cause, error);
            }
        }
    }

    static String idempotencyKey(Trigger trigger, String cause) {
        return "trigger/" + trigger.id() + "/" + cause;
    }
}
