//! Integration tests: the real server on 127.0.0.1:0 against real Postgres and Redis (started by
//! `make test`), with a fresh database per test.

mod audit_chain;
mod auth;
mod bad_input;
mod billing;
mod browser;
mod caps;
mod cli;
mod compute;
mod cross_tenant;
mod drift;
mod drift_props;
mod env_keys;
mod events;
mod harness;
mod headers;
mod history;
mod hygiene;
mod invites;
mod mail;
mod mailbox;
mod members;
mod migrations;
mod operators;
mod ops;
mod personal;
mod quotas;
mod receiver;
mod registry;
mod routes;
mod sla;
mod tenancy;
mod usage;
mod validate;
mod verification;
mod webhooks;
