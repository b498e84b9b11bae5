-- Feedback on the prediction log: a person (or a labelling tool) gives a logged prediction its true label through
-- the gateway; labelled predictions can then be exported as a new version of a data set. The last label given
-- counts. The gateway may write these three columns and nothing else of the log.
alter table prediction_log add column feedback_label text;
alter table prediction_log add column feedback_by text;
alter table prediction_log add column feedback_at timestamptz;
alter table prediction_log add constraint prediction_log_feedback check
    ((feedback_label is null) = (feedback_at is null));
create index prediction_log_labelled on prediction_log (model) where feedback_label is not null;
grant update (feedback_label, feedback_by, feedback_at) on prediction_log to kiln_gateway;
