-- Experiments as a resource of their own: a name groups runs; created with its first run.
create table experiments (
    name        varchar(100)  primary key,
    created_at  timestamptz   not null
);
insert into experiments (name, created_at)
    select experiment, min(created_at) from runs where experiment is not null group by experiment;
alter table runs add constraint runs_experiment_fkey foreign key (experiment) references experiments (name);
