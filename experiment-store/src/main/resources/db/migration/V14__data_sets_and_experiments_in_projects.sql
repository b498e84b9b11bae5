-- Data sets belong to a project too, except the built-in ones (project null), which every project reads and
-- trains on. Names stay unique across projects (they key the versions and the archives' lineage).
alter table datasets add column project text;
update datasets set project = 'default' where name not in ('fashion-mnist', 'mnist', 'mnist-sample', 'cifar10');

-- Experiments are named within their project: two projects may each have a 'baseline'. Runs and studies name
-- an experiment of their own project (a composite foreign key; none is checked when experiment is null).
alter table runs drop constraint runs_experiment_fkey;
alter table studies drop constraint studies_experiment_fkey;
alter table experiments add column project text not null default 'default';
alter table experiments drop constraint experiments_pkey;
alter table experiments add primary key (project, name);
alter table runs add constraint runs_experiment_fkey foreign key (project, experiment)
    references experiments (project, name);
alter table studies add constraint studies_experiment_fkey foreign key (project, experiment)
    references experiments (project, name);
