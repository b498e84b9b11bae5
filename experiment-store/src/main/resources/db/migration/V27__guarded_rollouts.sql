-- Guarded rollouts: a model's policy may send a new champion out as a canary (a growing share of requests) or a
-- shadow (copies of requests) instead of all at once. The champion alias moves to the new version when it is
-- promoted; the rollout says which share of the champion's requests it answers and which version (the baseline)
-- answers the rest. The gateway widens a healthy rollout step by step and rolls a breaching one back (a ROLLBACK
-- promotion), each change in one transaction with its RolloutEventV1.
alter table registered_models add column rollout jsonb;

alter table model_promotions drop constraint model_promotions_reason_check;
alter table model_promotions add constraint model_promotions_reason_check
    check (reason in ('MANUAL', 'POLICY', 'STUDY', 'ROLLBACK'));

create table rollouts (
    id                 uuid          primary key,
    model              varchar(100)  not null references registered_models (name),
    candidate_version  integer       not null,
    baseline_version   integer       not null,
    -- The model's RolloutPolicy when the rollout started, defaults filled in: a later policy change does not
    -- change a rollout under way.
    policy             jsonb         not null,
    step               integer       not null default 0 check (step >= 0),
    traffic_percent    integer       not null check (traffic_percent between 0 and 100),
    step_started_at    timestamptz   not null,
    state              varchar(16)   not null check (state in ('RUNNING', 'COMPLETED', 'ROLLED_BACK', 'SUPERSEDED')),
    -- Why it ended, in words; the breached threshold for ROLLED_BACK.
    reason             text,
    started_at         timestamptz   not null,
    ended_at           timestamptz,
    check ((state = 'RUNNING') = (ended_at is null)),
    foreign key (model, candidate_version) references model_versions (model, version),
    foreign key (model, baseline_version) references model_versions (model, version)
);
-- All replicas follow one plan: a model has at most one rollout under way.
create unique index rollouts_one_running on rollouts (model) where state = 'RUNNING';
create index rollouts_by_model on rollouts (model, started_at desc);

-- What each inference replica saw of a rollout's new version in a step, its running totals since the step began,
-- written every few seconds. The gateway sums the replicas' rows to judge the step.
create table rollout_observations (
    rollout_id   uuid              not null references rollouts (id),
    step         integer           not null,
    replica      text              not null,
    requests     bigint            not null check (requests >= 0),
    errors       bigint            not null check (errors >= 0),
    p99_ms       double precision,
    compared     bigint            not null check (compared >= 0),
    agreed       bigint            not null check (agreed >= 0),
    updated_at   timestamptz       not null,
    primary key (rollout_id, step, replica)
);

-- Privileges: the inference service reads the plan and writes its own observations; the gateway reads them (V16's
-- default privileges gave it every row privilege; it writes the rollouts, not the observations).
grant select on rollouts to kiln_inference;
grant select, insert, update on rollout_observations to kiln_inference;
revoke insert, update, delete on rollout_observations from kiln_gateway;
revoke all on rollouts, rollout_observations from kiln_trainer, kiln_keda;
