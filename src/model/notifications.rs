//! Notifications (PRODUCT.md C5): per tenant and per person, which kinds of event reach
//! them by which channel, and the in-app notification centre.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The kinds of event a person can choose to hear about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum NotifyEvent {
    /// Resource limits reached, auto-scaling policies that notify, webhook endpoints disabled.
    Alerts,
    /// Monitored services down, degraded, recovered.
    Health,
    /// Cost past its threshold.
    Billing,
    /// People joining or leaving, roles changing.
    Members,
    /// The tenant activated, suspended, resumed, terminated, moved to another plan.
    Lifecycle,
}

impl NotifyEvent {
    pub const ALL: [NotifyEvent; 5] =
        [NotifyEvent::Alerts, NotifyEvent::Health, NotifyEvent::Billing, NotifyEvent::Members, NotifyEvent::Lifecycle];

    pub fn as_str(self) -> &'static str {
        match self {
            NotifyEvent::Alerts => "alerts",
            NotifyEvent::Health => "health",
            NotifyEvent::Billing => "billing",
            NotifyEvent::Members => "members",
            NotifyEvent::Lifecycle => "lifecycle",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            NotifyEvent::Alerts => "Alerts",
            NotifyEvent::Health => "Health",
            NotifyEvent::Billing => "Billing",
            NotifyEvent::Members => "Members",
            NotifyEvent::Lifecycle => "Lifecycle",
        }
    }

    pub fn about(self) -> &'static str {
        match self {
            NotifyEvent::Alerts => "Limits reached, policies that notify, webhook endpoints disabled",
            NotifyEvent::Health => "Services down, degraded or recovered",
            NotifyEvent::Billing => "The month's cost passing its threshold",
            NotifyEvent::Members => "People joining or leaving, roles changing",
            NotifyEvent::Lifecycle => "Activated, suspended, resumed, terminated, a new plan",
        }
    }

    /// The default when a person hasn't chosen: (email, in the app). Everyone sees every
    /// kind in the app; owners also get email (as they always have).
    pub fn default_for(owner: bool) -> (bool, bool) {
        (owner, true)
    }
}

/// One of a person's choices: for this tenant and kind of event, by email and in the app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Preference {
    pub tenant_id: Uuid,
    pub tenant_name: String,
    pub event: NotifyEvent,
    pub email: bool,
    pub in_app: bool,
    /// True while the person hasn't chosen (the values are the defaults).
    pub default: bool,
}

/// What `GET /api/v1/me/notifications` answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Preferences {
    /// Every tenant the person belongs to × every kind of event.
    pub preferences: Vec<Preference>,
    /// Notifications in the centre not read yet.
    pub unread: i64,
}

/// A choice to save.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PreferenceChange {
    pub tenant_id: Uuid,
    pub event: NotifyEvent,
    pub email: bool,
    pub in_app: bool,
}

/// `PUT /api/v1/me/notifications`: the choices to save (others stay as they are).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PreferencesUpdate {
    #[cfg_attr(feature = "ssr", schema(min_items = 1, max_items = 500))]
    pub preferences: Vec<PreferenceChange>,
}

/// Most choices one request may save.
pub const MAX_CHANGES: usize = 500;

/// One notification in the centre.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    pub id: i64,
    pub tenant_id: Uuid,
    pub tenant_name: String,
    pub event: NotifyEvent,
    pub title: String,
    pub body: String,
    /// A path in the portal to see more ("" when none).
    pub link: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// The notification centre: the newest notifications and how many are unread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inbox {
    pub items: Vec<Notification>,
    pub unread: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip_and_defaults() {
        for e in NotifyEvent::ALL {
            assert_eq!(NotifyEvent::parse(e.as_str()), Some(e));
            assert_eq!(serde_json::to_value(e).unwrap(), e.as_str());
        }
        assert_eq!(NotifyEvent::parse("marketing"), None);
        assert_eq!(NotifyEvent::default_for(true), (true, true));
        assert_eq!(NotifyEvent::default_for(false), (false, true));
    }
}
