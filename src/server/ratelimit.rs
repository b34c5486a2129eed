//! Per-tenant REST rate limits for API keys (PRODUCT.md R6). A tenant's plan gives its
//! services a rate (requests per second) and a burst (`plan_rate_limits`); governor's GCRA
//! counts the requests. The count lives in this instance's memory (a rate limiter on every
//! request can't afford a database round trip), so with several instances each enforces
//! its share of the limit, rate and burst divided by the live instances in the worker
//! heartbeats (README: how close to exact that is). The plan's figures and the instance
//! count are read again at most every `RECHECK`; a changed share makes a new limiter.

use crate::db;
use crate::error::AppError;
use crate::server::access::Caller;
use crate::server::state::AppState;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use http::HeaderValue;
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

type Limiter = RateLimiter<NotKeyed, InMemoryState, DefaultClock, StateInformationMiddleware>;

/// How long a tenant's plan figures and the instance count are trusted.
const RECHECK: Duration = Duration::from_secs(30);

/// What this instance allows a tenant: its share of the plan's rate and burst.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Share {
    pub per_second: u32,
    pub burst: u32,
}

impl Share {
    /// The plan's figures divided among `instances` (rounded up, at least 1 each).
    pub fn of(per_second: i32, burst: i32, instances: i64) -> Share {
        let n = instances.max(1) as f64;
        let part = |v: i32| ((v.max(1) as f64 / n).ceil() as u32).max(1);
        Share { per_second: part(per_second), burst: part(burst).max(part(per_second)) }
    }
}

struct Entry {
    limiter: Arc<Limiter>,
    share: Share,
    checked: Instant,
}

/// The limiters of the tenants whose keys called this instance.
#[derive(Default)]
pub struct RateLimits {
    tenants: Mutex<HashMap<Uuid, Entry>>,
}

impl RateLimits {
    async fn limiter(&self, pool: &sqlx::PgPool, tenant: Uuid) -> Result<(Arc<Limiter>, Share), AppError> {
        if let Some(e) = self.lock().get(&tenant).filter(|e| e.checked.elapsed() < RECHECK) {
            return Ok((e.limiter.clone(), e.share));
        }
        let (per_second, burst, instances) = db::catalog::rate_limit(pool, tenant).await?;
        let share = Share::of(per_second, burst, instances);
        let mut all = self.lock();
        let entry =
            all.entry(tenant).or_insert_with(|| Entry { limiter: new_limiter(share), share, checked: Instant::now() });
        if entry.share != share {
            entry.limiter = new_limiter(share);
            entry.share = share;
        }
        entry.checked = Instant::now();
        Ok((entry.limiter.clone(), share))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Entry>> {
        // A panic while holding the lock leaves a map that is still whole.
        self.tenants.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn new_limiter(share: Share) -> Arc<Limiter> {
    let nz = |v: u32| NonZeroU32::new(v.max(1)).unwrap_or(NonZeroU32::MIN);
    let quota = Quota::per_second(nz(share.per_second)).allow_burst(nz(share.burst));
    Arc::new(RateLimiter::direct(quota).with_middleware::<StateInformationMiddleware>())
}

/// Middleware: an API key's request counts against its tenant's limit; beyond it, 429
/// with `Retry-After`. Every answer to a key carries `RateLimit-Policy` and `RateLimit`
/// (draft-ietf-httpapi-ratelimit-headers). People using the portal are not limited here.
pub async fn limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(tenant) = req.extensions().get::<Caller>().and_then(Caller::key_tenant) else {
        return next.run(req).await;
    };
    let (limiter, share) = match state.rate_limits.limiter(&state.pool, tenant).await {
        Ok(found) => found,
        Err(e) => return e.into_response(),
    };
    match limiter.check() {
        Ok(snapshot) => {
            let mut res = next.run(req).await;
            headers(&mut res, share, snapshot.remaining_burst_capacity(), 0);
            res
        }
        Err(not_until) => {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
            let mut res = AppError::TooManyRequests {
                message: format!(
                    "This tenant's services may make {} requests a second here (bursts of {}); try again in {secs} s.",
                    share.per_second, share.burst
                ),
                retry_after_secs: secs,
            }
            .into_response();
            headers(&mut res, share, 0, secs);
            res
        }
    }
}

fn headers(res: &mut Response, share: Share, remaining: u32, reset_secs: u64) {
    let h = res.headers_mut();
    let policy = format!("\"tenant\";q={};w=1;burst={}", share.per_second, share.burst);
    if let Ok(v) = HeaderValue::from_str(&policy) {
        h.insert("ratelimit-policy", v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("\"tenant\";r={remaining};t={reset_secs}")) {
        h.insert("ratelimit", v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_instance_takes_its_share_rounded_up() {
        assert_eq!(Share::of(50, 100, 1), Share { per_second: 50, burst: 100 });
        assert_eq!(Share::of(50, 100, 0), Share { per_second: 50, burst: 100 }, "no heartbeat yet: this one");
        assert_eq!(Share::of(50, 100, 3), Share { per_second: 17, burst: 34 });
        assert_eq!(Share::of(5, 5, 10), Share { per_second: 1, burst: 1 });
    }

    #[test]
    fn the_limiter_allows_the_burst_then_refuses() {
        let l = new_limiter(Share { per_second: 1, burst: 3 });
        for left in [2, 1, 0] {
            assert_eq!(l.check().map(|s| s.remaining_burst_capacity()).ok(), Some(left));
        }
        assert!(l.check().is_err());
    }
}
