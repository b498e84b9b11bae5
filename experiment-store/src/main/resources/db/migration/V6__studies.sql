-- Hyperparameter studies. A study's trials are ordinary runs (runs.study_id, runs.trial_number); the
-- scheduler changes a study only under a lock on its row, and a trial's number is unique within its study,
-- so several gateway replicas, or one restarted mid-study, never lose or duplicate a trial.
create table studies (
    id           uuid          primary key,
    status       varchar(16)   not null check (status in ('RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
    -- The StudySpec with its defaults filled in; maxTrials and parallelTrials may be raised later.
    spec         jsonb         not null,
    experiment   varchar(100)  references experiments (name),
    -- Why it ended: budget spent, goal reached, too many failed trials, cancelled.
    reason       text,
    best_trial   integer,
    created_at   timestamptz   not null,
    updated_at   timestamptz   not null,
    finished_at  timestamptz
);
create index studies_by_created on studies (created_at desc);

alter table runs
    add column study_id      uuid references studies (id),
    add column trial_number  integer;
create unique index runs_by_study_trial on runs (study_id, trial_number) where study_id is not null;

-- What the scheduler decided about a trial beyond its run's status: its parameters and, when a pruner stopped
-- it, at which epoch and why.
create table study_trials (
    study_id        uuid          not null references studies (id),
    trial_number    integer       not null check (trial_number >= 1),
    run_id          uuid          not null unique references runs (id),
    parameters      jsonb         not null,
    pruned_epoch    integer,
    pruned_reason   text,
    created_at      timestamptz   not null,
    primary key (study_id, trial_number)
);

-- A study promotes its best trial when it completes.
alter table model_promotions drop constraint model_promotions_reason_check;
alter table model_promotions add constraint model_promotions_reason_check check (reason in ('MANUAL', 'POLICY', 'STUDY'));
