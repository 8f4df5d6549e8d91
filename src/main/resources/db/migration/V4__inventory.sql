-- Where a commit's hosts came from (driftless, deploy-rs, colmena, nixosConfigurations,
-- configuration), and what its flake declared, kept whole as JSON: the last ready commit's
-- inventory is the fleet's after a restart, without evaluating again.
alter table commits add column inventory_source varchar(32);
alter table commits add column inventory varchar;
