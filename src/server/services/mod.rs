//! The application's rules, one module per area. Each service asks the access guard
//! first, then validates, then changes data and its audit event in one transaction.

pub mod alerts;
pub mod api_keys;
pub mod audit;
pub mod config;
pub mod domains;
pub mod drafts;
pub mod flags;
pub mod invitations;
pub mod lifecycle;
pub mod logos;
pub mod members;
pub mod monitoring;
pub mod notifications;
pub mod plan_changes;
pub mod plans;
pub mod policies;
pub mod privacy;
pub mod resources;
pub mod session;
pub mod system;
pub mod tenants;
pub mod usage;
pub mod users;
pub mod webhooks;
pub mod workflows;
