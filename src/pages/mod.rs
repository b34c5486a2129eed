//! One module per route.

pub mod account;
pub mod api_docs;
pub mod audit;
pub mod dashboard;
pub mod health;
pub mod invite;
pub mod limits;
pub mod login;
pub mod not_found;
pub mod notifications;
pub mod plans;
pub mod status;
pub mod tenant;
pub mod tenants;
pub mod usage;
pub mod users;
pub mod wizard;
pub mod workflows;
