-- What training records about a run: its life-cycle timestamps, the worker's heartbeat (a run whose
-- heartbeat goes stale is taken over by another worker), the device, the outcome and the test result.
alter table runs
    add column started_at      timestamptz,
    add column finished_at     timestamptz,
    add column heartbeat_at    timestamptz,
    add column device          varchar(32),
    add column epochs_done     integer not null default 0,
    add column best_epoch      integer,
    add column result          jsonb,
    add column failure_reason  text;
create index runs_by_heartbeat on runs (heartbeat_at) where status in ('CLAIMED', 'RUNNING');

-- One row per finished epoch (EpochMetrics as JSON), written in the same transaction as the epoch's
-- checkpoint, so a crash never leaves metrics without the weights they describe, or the reverse.
create table run_epochs (
    run_id       uuid         not null references runs (id) on delete cascade,
    epoch        integer      not null check (epoch >= 1),
    metrics      jsonb        not null,
    recorded_at  timestamptz  not null,
    primary key (run_id, epoch)
);

-- Checkpoints in the database, so any replica can fetch them without a shared volume: 'last' (the
-- resume state after the newest epoch), 'best' (the best epoch so far, resumable) and 'model' (the
-- run's result, for serving). The SHA-256 is checked again whenever one is read.
create table run_checkpoints (
    run_id      uuid         not null references runs (id) on delete cascade,
    kind        varchar(8)   not null check (kind in ('last', 'best', 'model')),
    epoch       integer      not null,
    sha256      char(64)     not null,
    size_bytes  integer      not null,
    content     bytea        not null,
    created_at  timestamptz  not null,
    primary key (run_id, kind)
);
