-- Champion against challenger on the same images. Before a run that competes for a registered model completes,
-- its worker measures the model's champion of that moment on the run's test split (a ChampionEvaluation as JSON:
-- the champion's version and its EvaluationReport there, or why it could not be measured), in the transaction
-- that records the run's end. The policy then compares two numbers measured on the same split, and a promotion
-- keeps the numbers it was decided on (a PromotionEvidence as JSON; POLICY promotions only).
alter table runs add column champion_evaluation jsonb;
alter table model_promotions add column evidence jsonb;
