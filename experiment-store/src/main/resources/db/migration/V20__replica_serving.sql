-- What each inference replica serves, so the console (GET /api/v1/models/{name}/replicas) shows every replica,
-- not only the one a browser reaches. The inference service writes a row in the transaction that writes its
-- ModelServingEventV1 to the outbox: the table mirrors the events, state and announcement never part.
--
-- replica_heartbeats: one row per replica, written at every heartbeat (kiln.inference.heartbeat-interval, 15 s)
-- and with every serving event; seen_at is PostgreSQL's clock (now()), so the gateway judges staleness on the
-- clock that wrote it. A replica that died keeps its rows, marked stale by an old seen_at; a clean shutdown
-- deletes its heartbeat, and with it (on delete cascade) its serving rows. started_at is the replica's own
-- clock, as is replica_serving.since: a replica that restarts under the same name (a container's pid 1) drops
-- the rows of its earlier life, those older than its start.
create table replica_heartbeats (
    replica     text         primary key,
    started_at  timestamptz  not null,
    seen_at     timestamptz  not null
);

-- One row per replica, model, version and alias (null for a version a request pinned): LOADED (serving) or
-- LOAD_FAILED (could not be loaded; reason says why; the replica serves what it served). RETIRED deletes the
-- LOADED row (its native memory is released); a LOADED version of an alias deletes that alias's failures on the
-- replica (they are superseded). since: when the event happened, on the replica's clock.
create table replica_serving (
    replica  text         not null references replica_heartbeats (replica) on delete cascade,
    model    text         not null,
    version  integer      not null check (version > 0),
    alias    text,
    state    text         not null check (state in ('LOADED', 'LOAD_FAILED')),
    reason   text,
    since    timestamptz  not null,
    check (state = 'LOAD_FAILED' or reason is null)
);
create unique index replica_serving_key on replica_serving (replica, model, version, coalesce(alias, ''));
create index replica_serving_model on replica_serving (model);

-- Privileges: the inference service writes both tables (reading the rows its upserts and deletes match); the
-- gateway only reads them (V16's default privileges gave it every row privilege, taken back here); the trainers
-- and KEDA have no use for them.
grant select, insert, update, delete on replica_heartbeats, replica_serving to kiln_inference;
revoke insert, update, delete on replica_heartbeats, replica_serving from kiln_gateway;
revoke all on replica_heartbeats, replica_serving from kiln_trainer, kiln_keda;
