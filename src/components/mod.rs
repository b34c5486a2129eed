//! Reusable view pieces, so every page looks and behaves alike.

pub mod action;
pub mod alerts;
pub mod autorefresh;
pub mod badge;
pub mod charts;
pub mod confirm;
pub mod feedback;
pub mod field;
pub mod format;
pub mod icons;
pub mod line_chart;
pub mod me;
pub mod plan;
pub mod refresh;
pub mod secret;
pub mod timeline;
pub mod toast;
pub mod upload;
pub mod workflow;

pub use action::{after, Said};
pub use alerts::AlertList;
pub use autorefresh::{use_auto_refresh, AutoRefresh, RefreshControl, UpdatedAt};
pub use badge::{health_class, HealthBadge, IsolationBadge, PlanBadge, StatusBadge};
pub use charts::{daily_axis, use_hover_map, BarChart, HBars, SeriesChart};
pub use confirm::{ConfirmButtons, ConfirmDialog};
pub use feedback::{field_errors, Empty, ErrorAlert, FieldError, Loading};
pub use field::TextField;
pub use line_chart::{ChartLine, LineChart};
pub use me::{reads_audit, use_session, Session};
pub use plan::PlanCard;
pub use refresh::{use_tenant_refresh, Refresh, TenantRefresh};
pub use secret::{CopyButton, SecretCard};
pub use timeline::Timeline;
pub use toast::{use_toasts, ToastRegion, Toasts};
pub use workflow::{use_live, RunBadge, RunCard, RunList};
