-- The test images a succeeded run's result got most confidently wrong: for each true class at most 8 (the
-- trainer's evaluation decides), written in the transaction that records the run's end, read by the gateway
-- (GET /api/v1/runs/{id}/misclassified and .../test-images/{index}). test_index is the image's position in the
-- run's test set; truth and prediction are labels (indexes into the run's result.classes); probabilities is the
-- softmax over every class, in class order. The PNGs stay in the row rather than the artifact store: a 28x28
-- digit is a few hundred bytes, and a run keeps at most 8 per class.
create table run_misclassified (
    run_id         uuid     not null references runs (id) on delete cascade,
    test_index     integer  not null check (test_index >= 0),
    truth          integer  not null check (truth >= 0),
    prediction     integer  not null check (prediction >= 0 and prediction <> truth),
    probabilities  real[]   not null check (cardinality(probabilities) > greatest(truth, prediction)),
    image_png      bytea    not null,
    primary key (run_id, test_index)
);

-- The gateway reads these rows and the trainers write them: both get their rows' privileges from the default
-- privileges V16 set for every later table. The inference service and KEDA have no use for them and get nothing:
-- no default privilege names them (nor PUBLIC); the revoke only says so here (MigrationsTest probes both).
revoke all on run_misclassified from kiln_inference, kiln_keda;
