-- A trigger may start a study instead of a run: its POST /api/v1/studies body in study_request, exactly one of
-- the two set. A study started by a trigger carries the idempotency key trigger/<id>/<cause>, unique per project
-- like a run's (V12), so a cause starts at most one study across replicas and restarts; a firing records the
-- study it started.
alter table triggers alter column run_request drop not null;
alter table triggers add column study_request text;
alter table triggers add constraint triggers_one_action check ((run_request is null) <> (study_request is null));

alter table studies add column idempotency_key varchar(300);
create unique index studies_by_idempotency_key on studies (project, idempotency_key) where idempotency_key is not null;

alter table trigger_firings add column study_id uuid references studies (id) on delete set null;
alter table trigger_firings drop constraint trigger_firings_check;
alter table trigger_firings add constraint trigger_firings_one_outcome check (num_nonnulls(run_id, study_id, error) <= 1);
