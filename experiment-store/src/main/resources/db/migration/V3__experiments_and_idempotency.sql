-- Runs are grouped into named experiments and filtered by model; a client's Idempotency-Key maps to the
-- one run it created, so a retried POST never creates a second run.
alter table runs
    add column experiment       varchar(100),
    add column model            varchar(32),
    add column idempotency_key  varchar(200),
    add column request_hash     char(64);
update runs set model = spec ->> 'model';
alter table runs alter column model set not null;
create unique index runs_by_idempotency_key on runs (idempotency_key) where idempotency_key is not null;
create index runs_by_experiment on runs (experiment, created_at desc) where experiment is not null;
create index runs_by_model on runs (model, created_at desc);
