-- Retention of the prediction log: the gateway deletes unlabelled predictions older than
-- kiln.predictions.retention (30 days by default) in batches; labelled ones are training data and stay.
create index prediction_log_unlabelled_by_time on prediction_log (predicted_at) where feedback_label is null;
grant delete on prediction_log to kiln_gateway;
