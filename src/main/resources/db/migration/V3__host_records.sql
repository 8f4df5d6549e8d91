-- One durable status per host: what the reconcile loop decides from (last applied, last attempt
-- and the generation before it, quarantine, hold). Kept whole as JSON, since it is read and
-- written whole, by host, and its shape grows with the loop.
create table host_records (
    host        varchar(255) primary key,
    record      varchar      not null,
    updated_at  timestamp with time zone not null
);

-- A commit's changed hosts as rows: a list in a column overflows on a real fleet.
create table commit_hosts (
    sha   varchar(64)  not null,
    host  varchar(255) not null,
    primary key (sha, host)
);
