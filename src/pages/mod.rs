//! One module per route.

pub mod api_docs;
pub mod audit;
pub mod dashboard;
pub mod not_found;
pub mod status;
pub mod tenant;
pub mod tenant_new;
pub mod tenants;
