package dev.kiln.gateway.triggers;

import dev.kiln.contracts.studies.StudySpec;
import dev.kiln.gateway.runs.CreateRunRequest;

/**
 * The body of {@code POST /api/v1/triggers}: when to submit which run, or start which study.
 *
 * @param name   1 to 100 letters, digits, '.', '_' or '-', unique in the project
 * @param when   what fires it: exactly one of its fields
 * @param run    the {@code POST /api/v1/runs} body it submits; for {@code datasetReady}, {@code spec.dataset}
 *               is the data set's name (or absent) and each firing trains on the version that became READY
 * @param study  instead of {@code run}: the {@code POST /api/v1/studies} body it starts; for {@code datasetReady}
 *               its {@code base.dataset} is the data set's name (or absent), as a run's
 * @param paused start paused (default false)
 */
public record TriggerRequest(String name, When when, CreateRunRequest run, StudySpec study, Boolean paused) {

    /**
     * What fires a trigger; exactly one is set.
     *
     * @param datasetReady a data set of the project: each new version that becomes READY
     * @param event        a Kiln event (CloudEvents {@code type}, and optionally {@code subject}), e.g.
     *                     {@code {"type": "dev.kiln.model.promoted.v1", "subject": "digits/champion"}}
     * @param schedule     a cron expression, five fields (minute hour day-of-month month day-of-week), in UTC
     */
    public record When(String datasetReady, EventCondition event, String schedule) {
    }

    /** A Kiln event by its CloudEvents type and, when set, subject. */
    public record EventCondition(String type, String subject) {
    }
}
