//! Sentences people read in more than one place, defined once so every path that refuses
//! something says it the same way.

/// An id or slug that names no tenant the caller may see (also what a non-member is told,
/// so ids can't be probed).
pub const NO_TENANT: &str = "No tenant has that id or slug.";
pub const NO_RUN: &str = "No such workflow run.";
pub const SLUG_TAKEN: &str = "That slug is already taken.";
pub const DOMAIN_TAKEN: &str = "Another tenant already uses this domain.";
pub const RUN_OPEN: &str = "Another workflow is still running for this tenant; wait for it to finish.";
pub const SIGN_IN: &str = "Sign in to continue, or send an API key as \u{201c}Authorization: Bearer <key>\u{201d}.";
pub const NO_EXPORT: &str = "No such export (it may have passed its retention date).";

/// What people are told while the database can't be reached.
pub const DATABASE_AWAY: &str =
    "The database can't be reached right now. Nothing was changed; please try again in a moment.";
