//! Domain rules, used alike by server functions and REST handlers.

pub mod audit;
pub mod tenants;
