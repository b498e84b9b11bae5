-- A registered model's predictions may be opened to anyone, without a token (a demo, a public endpoint);
-- everything else about the model stays its project's.
alter table registered_models add column public_prediction boolean not null default false;
