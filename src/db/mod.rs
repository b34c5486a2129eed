//! Queries, one module per table family. Each takes the executor it runs on (a pool or a
//! transaction), so services decide what runs together.

pub mod alerts;
pub mod allocations;
pub mod api_keys;
pub mod audit;
pub mod billing;
pub mod catalog;
pub mod config;
pub mod domains;
pub mod drafts;
pub mod exports;
pub mod flags;
pub mod health;
pub mod invitations;
pub mod logos;
pub mod memberships;
pub mod monitoring;
pub mod notifications;
pub mod outbox;
pub mod policies;
pub mod resources;
pub mod rollouts;
pub mod sessions;
pub mod sign_ins;
pub mod stats;
pub mod tenants;
pub mod usage;
pub mod users;
pub mod webhooks;
pub mod workers;
pub mod workflows;
