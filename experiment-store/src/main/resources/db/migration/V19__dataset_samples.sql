-- A few images of each class of a READY data set version, as PNG files, for the console's data sets page: the
-- first images of each class in the packed train split (dev.kiln.imagedata.samples.SamplePicker: at most 4 a
-- class and 64 in all), at the size the version is stored and trained at. Written by the trainer that validated
-- the version, in the transaction that records it READY; a REJECTED version has none. Read by the gateway
-- (GET /api/v1/datasets/{name}/versions/{version}/samples and .../samples/{position}.png). image_index is the
-- image's position in its split of the packed version; label is its class name. Small (64 images of at most
-- 64x64 pixels), so in the row rather than the artifact store.
create table dataset_samples (
    dataset      varchar(100)  not null,
    version      integer       not null,
    position     integer       not null check (position >= 0),
    split        varchar(12)   not null check (split in ('train', 'val', 'test')),
    image_index  integer       not null check (image_index >= 0),
    label        text          not null,
    image_png    bytea         not null,
    primary key (dataset, version, position),
    unique (dataset, version, split, image_index),
    foreign key (dataset, version) references dataset_versions (dataset, version) on delete cascade
);

-- Privileges: the gateway and the trainers get their row privileges from V16's default privileges; the
-- inference service and KEDA get nothing (no default privilege names them; the revoke only says so here).
revoke all on dataset_samples from kiln_inference, kiln_keda;
