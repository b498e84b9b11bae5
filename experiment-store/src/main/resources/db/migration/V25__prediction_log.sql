-- The prediction log: a sample of the predictions inference replicas answered (kiln.inference.prediction-log.*),
-- each with the image as sent, so that feedback can give it its true label and labelled predictions can become
-- training data. A replica writes a row in the transaction that writes its PredictionLoggedV1 to the outbox.
create table prediction_log (
    id            uuid              primary key,
    project       text              not null,
    model         text              not null,
    version       integer           not null check (version > 0),
    -- The alias it was served under (champion), null for a pinned version.
    alias         text,
    replica       text              not null,
    input_sha256  char(64)          not null,
    image         bytea             not null,
    -- PredictionLoggedV1.RankedClass list as JSON, most probable first.
    top           jsonb             not null,
    latency_ms    double precision  not null,
    predicted_at  timestamptz       not null
);
create index prediction_log_by_model on prediction_log (model, predicted_at desc);

-- Privileges: the inference service writes and reads its rows; the gateway reads them (V16's default privileges
-- gave it every row privilege; it gets no writes here); the trainers and KEDA have no use for them.
grant select, insert on prediction_log to kiln_inference;
revoke insert, update, delete on prediction_log from kiln_gateway;
revoke all on prediction_log from kiln_trainer, kiln_keda;
