-- Training runs: one row per accepted train request, owned by at most one trainer worker.
create table runs (
    id          uuid         primary key,
    status      varchar(16)  not null
        check (status in ('QUEUED', 'CLAIMED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
    spec        jsonb        not null,
    worker      varchar(200),
    created_at  timestamptz  not null,
    updated_at  timestamptz  not null,
    claimed_at  timestamptz
);
create index runs_by_status on runs (status, created_at desc);
create index runs_by_created on runs (created_at desc);

-- Transactional outbox: a message is written in the same transaction as the state it announces and
-- published to Kafka afterwards, so an accepted request is never lost between the database and Kafka.
create table outbox (
    id            bigserial     primary key,
    topic         varchar(249)  not null,
    message_key   varchar(200)  not null,
    payload       jsonb         not null,
    created_at    timestamptz   not null,
    published_at  timestamptz,
    attempts      integer       not null default 0,
    last_error    text
);
create index outbox_pending on outbox (id) where published_at is null;
