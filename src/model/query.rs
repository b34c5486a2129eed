//! The tenant list query (PRODUCT.md T3): search, filters, sort and keyset cursor, with
//! one encoding to and from URL query strings so a filtered view can be bookmarked.

use super::status::TenantStatus;
use super::tenant::Isolation;
use crate::error::AppError;
use serde::{Deserialize, Serialize};

pub const DEFAULT_LIMIT: u32 = 25;
pub const MAX_LIMIT: u32 = 100;
/// The longest search text any list accepts.
pub const SEARCH_MAX: usize = 200;
const FILTER_MAX: usize = 100;
const CURSOR_MAX: usize = 512;

/// Search text over the limit is refused (it would only make a slow query).
pub fn check_search(q: Option<&str>) -> Result<(), AppError> {
    if q.is_some_and(|q| q.chars().count() > SEARCH_MAX) {
        return Err(AppError::bad_request(format!("The search text is too long ({SEARCH_MAX} characters at most).")));
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortField {
    Name,
    Slug,
    CreatedAt,
    UpdatedAt,
}

impl SortField {
    pub const ALL: [SortField; 4] = [Self::Name, Self::Slug, Self::CreatedAt, Self::UpdatedAt];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Slug => "slug",
            Self::CreatedAt => "created_at",
            Self::UpdatedAt => "updated_at",
        }
    }
}

/// `name` sorts ascending, `-name` descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sort {
    pub field: SortField,
    pub descending: bool,
}

impl Default for Sort {
    fn default() -> Self {
        Self { field: SortField::CreatedAt, descending: true }
    }
}

impl Sort {
    pub fn parse(s: &str) -> Result<Self, AppError> {
        let (descending, name) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        SortField::ALL
            .into_iter()
            .find(|f| f.as_str() == name)
            .map(|field| Sort { field, descending })
            .ok_or_else(|| {
                AppError::bad_request(format!(
                    "Unknown sort \u{201c}{s}\u{201d}. Use name, slug, created_at or updated_at, with a leading - for descending."
                ))
            })
    }

    pub fn as_param(self) -> String {
        format!("{}{}", if self.descending { "-" } else { "" }, self.field.as_str())
    }

    /// The sort a column header link switches to.
    pub fn toggled_for(self, field: SortField) -> Sort {
        if self.field == field {
            Sort { field, descending: !self.descending }
        } else {
            // Dates read best newest first, names A to Z.
            Sort { field, descending: matches!(field, SortField::CreatedAt | SortField::UpdatedAt) }
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TenantQuery {
    /// Matches name, slug or custom domain.
    pub q: Option<String>,
    pub status: Option<TenantStatus>,
    pub plan: Option<String>,
    pub region: Option<String>,
    pub isolation: Option<Isolation>,
    pub sort: Sort,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

impl TenantQuery {
    /// Reads the query from URL parameters; unknown values are a clear 400.
    pub fn from_params<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Result<Self, AppError> {
        let text = |k: &str| get(k).map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
        let status = match text("status") {
            Some(s) => Some(
                TenantStatus::parse(&s)
                    .ok_or_else(|| AppError::bad_request(format!("Unknown status \u{201c}{s}\u{201d}.")))?,
            ),
            None => None,
        };
        let isolation = match text("isolation") {
            Some(s) => Some(Isolation::parse(&s).ok_or_else(|| {
                AppError::bad_request(format!("Unknown isolation model \u{201c}{s}\u{201d}. Use schema or row."))
            })?),
            None => None,
        };
        let sort = match text("sort") {
            Some(s) => Sort::parse(&s)?,
            None => Sort::default(),
        };
        let limit = match text("limit") {
            Some(l) => Some(l.parse::<u32>().ok().filter(|n| (1..=MAX_LIMIT).contains(n)).ok_or_else(|| {
                AppError::bad_request(format!("limit must be a whole number from 1 to {MAX_LIMIT}."))
            })?),
            None => None,
        };
        let query = TenantQuery {
            q: text("q"),
            status,
            plan: text("plan"),
            region: text("region"),
            isolation,
            sort,
            limit,
            cursor: text("cursor"),
        };
        query.check()?;
        Ok(query)
    }

    /// The bounds every caller's query must keep, however it arrived (URL parameters or
    /// a server function's JSON): search text, filter values, page size and cursor.
    pub fn check(&self) -> Result<(), AppError> {
        check_search(self.q.as_deref())?;
        for (name, v) in [("plan", &self.plan), ("region", &self.region)] {
            if v.as_ref().is_some_and(|v| v.chars().count() > FILTER_MAX) {
                return Err(AppError::bad_request(format!("{name} is too long ({FILTER_MAX} characters at most).")));
            }
        }
        if self.limit.is_some_and(|n| !(1..=MAX_LIMIT).contains(&n)) {
            return Err(AppError::bad_request(format!("limit must be a whole number from 1 to {MAX_LIMIT}.")));
        }
        if self.cursor.as_ref().is_some_and(|c| c.len() > CURSOR_MAX) {
            return Err(AppError::bad_request("The cursor is not valid. Start again from the first page."));
        }
        Ok(())
    }

    pub fn limit(&self) -> u32 {
        self.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
    }

    /// URL query string (without `?`) for this query; defaults are left out.
    pub fn to_query_string(&self) -> String {
        let mut parts: Vec<(&str, String)> = Vec::new();
        if let Some(q) = &self.q {
            parts.push(("q", q.clone()));
        }
        if let Some(s) = self.status {
            parts.push(("status", s.as_str().into()));
        }
        if let Some(p) = &self.plan {
            parts.push(("plan", p.clone()));
        }
        if let Some(r) = &self.region {
            parts.push(("region", r.clone()));
        }
        if let Some(i) = self.isolation {
            parts.push(("isolation", i.as_str().into()));
        }
        if self.sort != Sort::default() {
            parts.push(("sort", self.sort.as_param()));
        }
        if let Some(l) = self.limit {
            parts.push(("limit", l.to_string()));
        }
        if let Some(c) = &self.cursor {
            parts.push(("cursor", c.clone()));
        }
        parts.into_iter().map(|(k, v)| format!("{k}={}", encode_component(&v))).collect::<Vec<_>>().join("&")
    }

    /// The same filters, back on the first page.
    pub fn first_page(&self) -> Self {
        Self { cursor: None, ..self.clone() }
    }

    pub fn has_filters(&self) -> bool {
        self.q.is_some()
            || self.status.is_some()
            || self.plan.is_some()
            || self.region.is_some()
            || self.isolation.is_some()
    }
}

/// Percent-encodes a URL query component (RFC 3986 unreserved characters pass through).
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A page of results with the cursor for the next one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn parse(pairs: &[(&str, &str)]) -> Result<TenantQuery, AppError> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        TenantQuery::from_params(|k| map.get(k).map(String::as_str))
    }

    #[test]
    fn query_round_trips_through_the_url() {
        let q =
            parse(&[("q", "acme & co"), ("status", "suspended"), ("plan", "pro"), ("sort", "-name"), ("limit", "50")])
                .unwrap();
        let qs = q.to_query_string();
        assert_eq!(qs, "q=acme%20%26%20co&status=suspended&plan=pro&sort=-name&limit=50");
        assert_eq!(q.sort, Sort { field: SortField::Name, descending: true });
    }

    #[test]
    fn bad_parameters_are_clear_errors() {
        assert_eq!(parse(&[("status", "gone")]).unwrap_err().status(), 400);
        assert_eq!(parse(&[("sort", "price")]).unwrap_err().status(), 400);
        assert_eq!(parse(&[("limit", "0")]).unwrap_err().status(), 400);
        assert_eq!(parse(&[("limit", "101")]).unwrap_err().status(), 400);
        assert_eq!(parse(&[("isolation", "table")]).unwrap_err().status(), 400);
        assert!(parse(&[("q", "   ")]).unwrap().q.is_none());
    }

    #[test]
    fn header_links_toggle_direction() {
        let s = Sort::default();
        assert_eq!(s.toggled_for(SortField::CreatedAt), Sort { field: SortField::CreatedAt, descending: false });
        assert_eq!(s.toggled_for(SortField::Name), Sort { field: SortField::Name, descending: false });
    }
}
