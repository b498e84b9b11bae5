-- Triggers: automation that submits a run when something happens (a data set version becomes READY, a Kiln
-- event of some ce_type arrives, a cron schedule comes due), and the record of every firing. A trigger fires at
-- most once per cause: the run it submits carries the idempotency key trigger/<id>/<cause>, which the runs'
-- unique index (V12) holds to across replicas and restarts, and the firing's primary key is the same pair.
-- Privileges: the gateway (which alone reads and writes them) and the trainers get their row privileges from
-- V16's default privileges; the inference service and KEDA get nothing.
create table triggers (
    id             uuid          primary key,
    project        text          not null,
    name           varchar(100)  not null,
    when_kind      varchar(16)   not null check (when_kind in ('DATASET_READY', 'EVENT', 'SCHEDULE')),
    -- DATASET_READY: the data set; EVENT: the ce_type and, optionally, the ce_subject; SCHEDULE: the cron
    -- expression (five fields, UTC).
    when_dataset   varchar(100),
    event_type     varchar(200),
    event_subject  varchar(200),
    cron           varchar(100),
    -- The POST /api/v1/runs body it submits, as JSON.
    run_request    text          not null,
    created_by     text          not null,
    created_at     timestamptz   not null,
    paused         boolean       not null default false,
    unique (project, name),
    check ((when_kind = 'DATASET_READY') = (when_dataset is not null)),
    check ((when_kind = 'EVENT') = (event_type is not null)),
    check ((when_kind = 'SCHEDULE') = (cron is not null))
);

create table trigger_firings (
    trigger_id  uuid          not null references triggers (id) on delete cascade,
    -- What caused it: name@version of the READY data set, the event's ce_id, the schedule's due time.
    cause       varchar(150)  not null,
    fired_at    timestamptz   not null,
    run_id      uuid          references runs (id) on delete set null,
    -- Why no run was submitted (the spec no longer valid for the new version, a quota), else null.
    error       text,
    primary key (trigger_id, cause),
    check ((run_id is null) or (error is null))
);
create index trigger_firings_recent on trigger_firings (trigger_id, fired_at desc);
