//! Queries, one module per table family. Each takes the executor it runs on (a pool or a
//! transaction), so services decide what runs together.

pub mod audit;
pub mod catalog;
pub mod stats;
pub mod tenants;
