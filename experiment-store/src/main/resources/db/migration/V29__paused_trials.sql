-- A study's pruner may hold a trial at a rung until other trials reach it (asha's minTrialsAtRung): its run is
-- PAUSED, which no worker claims, until the study queues it again to resume from its last checkpoint.
alter table runs drop constraint runs_status_check;
alter table runs add constraint runs_status_check
    check (status in ('QUEUED', 'CLAIMED', 'RUNNING', 'PAUSED', 'SUCCEEDED', 'FAILED', 'CANCELLED'));

-- The time a run spends paused is not training time (the trainer-hours quota): when it was paused, and the seconds
-- of its earlier pauses.
alter table runs add column paused_at timestamptz, add column paused_seconds double precision not null default 0;

-- The last epoch at which the pruner let the trial go on: each epoch is judged once, even one the scheduler
-- sees late. Trials of studies running at the upgrade count as judged up to where they are.
alter table study_trials add column judged_epoch integer not null default 0;
update study_trials t set judged_epoch = r.epochs_done from runs r where r.id = t.run_id;
