//! Reusable view pieces, so every page looks and behaves alike.

pub mod badge;
pub mod charts;
pub mod confirm;
pub mod feedback;
pub mod format;
pub mod icons;
pub mod me;
pub mod toast;
pub mod workflow;

pub use badge::{IsolationBadge, PlanBadge, StatusBadge};
pub use charts::{BarChart, HBars};
pub use confirm::{ConfirmButtons, ConfirmDialog};
pub use feedback::{field_errors, Empty, ErrorAlert, FieldError, Loading};
pub use me::{reads_audit, use_session, Session};
pub use toast::{use_toasts, ToastRegion, Toasts};
pub use workflow::{use_live, RunBadge, RunCard};
