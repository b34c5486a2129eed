//! Queries, one module per table family. Each takes the executor it runs on (a pool or a
//! transaction), so services decide what runs together.

pub mod api_keys;
pub mod audit;
pub mod catalog;
pub mod invitations;
pub mod memberships;
pub mod sessions;
pub mod sign_ins;
pub mod stats;
pub mod tenants;
pub mod users;
pub mod workflows;
