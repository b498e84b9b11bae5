-- The store, not a topic, is the truth about queued runs: when a QUEUED run's train request was last
-- published (at acceptance, on a worker's hand-back at shutdown, or again by the gateway's reconciler because
-- no worker claimed it in time), and how often it was published again (each wait is twice the last).
alter table runs
    add column queued_at  timestamptz  not null default now(),
    add column requeues   integer      not null default 0;
update runs set queued_at = created_at;
create index runs_queued on runs (queued_at) where status = 'QUEUED';

-- Outbox payloads are kept as the exact text the contract wrote: jsonb would reformat it (spaces, key order)
-- and publish something other than the documented JSON form.
alter table outbox alter column payload type text using payload::text;
