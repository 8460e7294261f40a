-- Schemas separate who may see what (shared/data-contract.md):
--   raw, staging, quarantine, linkage hold personal data (data officers only);
--   core holds pseudonymous keys, dates and references; marts holds aggregates.
create schema if not exists raw;
create schema if not exists staging;
create schema if not exists quarantine;
create schema if not exists linkage;
create schema if not exists core;
create schema if not exists marts;

-- One row per file (or SQL query) read: the audit trail of what went in.
create table if not exists raw.files (
    source          varchar not null,
    file_name       varchar not null,
    file_sha256     varchar not null,
    encoding        varchar not null,
    rows_read       bigint  not null,
    unmapped_headers varchar[],
    loaded_at       timestamp not null default current_timestamp,
    primary key (source, file_name)
);

-- Every input row that did not reach staging, with a reason a person understands.
-- The reason never repeats the value: join back to raw.<source> on (file_name, row_number).
create table if not exists quarantine.rejected_rows (
    source       varchar not null,
    file_name    varchar not null,
    row_number   bigint  not null,
    reason_code  varchar not null,   -- malformed_row | missing_required | unreadable_value | duplicate_record | cannot_be_linked
    reason       varchar not null,
    columns      varchar[],
    rejected_at  timestamp not null default current_timestamp
);
