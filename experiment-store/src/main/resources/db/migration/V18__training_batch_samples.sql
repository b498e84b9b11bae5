-- The first images of a run's first training batch, in the order the network saw them, as PNG files: as
-- stored and, when the spec augments, as augmented (the batch's tensor, de-normalised). The console's run page
-- shows them side by side. Written with the run's first epoch, in its transaction, and never again: a
-- resumed run keeps the sample of its start. Small (16 images of at most a few kilobytes each), so in the
-- database beside the epochs rather than in the artifact store.
-- Privileges: the gateway and the trainers get their row privileges from V16's default privileges; the
-- inference service and KEDA get nothing.
create table run_batch_samples (
    run_id         uuid         not null references runs (id) on delete cascade,
    position       integer      not null check (position >= 0),
    train_index    integer      not null check (train_index >= 0),
    label          text         not null,
    original_png   bytea        not null,
    augmented_png  bytea,
    recorded_at    timestamptz  not null,
    primary key (run_id, position)
);
