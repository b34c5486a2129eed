//! Dashboards that refresh on their own (PRODUCT.md U3): every 5, 15 or 60 seconds or
//! never, as the person picks (remembered in the browser), paused on request and while the
//! browser tab is hidden. Resources read `track()` in their source; `<Transition>` keeps
//! the shown data (and a chart's hover, held outside it) until the new data is in, so
//! nothing flickers and the page never reloads. Timers are web-sys intervals (through
//! Leptos' `set_interval_with_handle`) and the Page Visibility API.

use leptos::prelude::*;
use std::time::Duration;

/// The intervals on offer, in seconds (0: off).
pub const CHOICES: [(u32, &str); 4] = [(0, "Off"), (5, "5 s"), (15, "15 s"), (60, "60 s")];
const STORAGE_KEY: &str = "tenantry.refresh_secs";

#[derive(Clone, Copy)]
pub struct AutoRefresh {
    /// Seconds between refreshes; 0 is off.
    pub every: RwSignal<u32>,
    /// Paused by the person.
    pub paused: RwSignal<bool>,
    hidden: RwSignal<bool>,
    tick: RwSignal<u32>,
}

impl AutoRefresh {
    /// Read in a resource's source: it loads again at every tick.
    pub fn track(&self) -> u32 {
        self.tick.get()
    }

    pub fn running(&self) -> bool {
        self.every.get() > 0 && !self.paused.get() && !self.hidden.get()
    }
}

/// An auto-refresh for one page, starting at the remembered interval (else `default`).
pub fn use_auto_refresh(default: u32) -> AutoRefresh {
    let r = AutoRefresh {
        every: RwSignal::new(default),
        paused: RwSignal::new(false),
        hidden: RwSignal::new(false),
        tick: RwSignal::new(0),
    };
    // Browser only (effects don't run on the server): the remembered choice, and the tab's
    // visibility. Coming back to a hidden tab refreshes at once.
    Effect::new(move |_| {
        if let Some(v) = stored().and_then(|s| s.parse::<u32>().ok()).filter(|v| CHOICES.iter().any(|(c, _)| c == v)) {
            r.every.set(v);
        }
        r.hidden.set(document().hidden());
        let listener = window_event_listener(leptos::ev::visibilitychange, move |_| {
            let hidden = document().hidden();
            r.hidden.set(hidden);
            if !hidden && r.every.get_untracked() > 0 && !r.paused.get_untracked() {
                r.tick.update(|n| *n += 1);
            }
        });
        on_cleanup(move || listener.remove());
    });
    Effect::new(move |prev: Option<Option<IntervalHandle>>| {
        if let Some(Some(h)) = prev {
            h.clear();
        }
        let secs = r.every.get();
        if r.running() {
            set_interval_with_handle(move || r.tick.update(|n| *n += 1), Duration::from_secs(secs as u64)).ok()
        } else {
            None
        }
    });
    r
}

fn stored() -> Option<String> {
    window().local_storage().ok()??.get_item(STORAGE_KEY).ok()?
}

fn store(v: u32) {
    if let Ok(Some(s)) = window().local_storage() {
        let _ = s.set_item(STORAGE_KEY, &v.to_string());
    }
}

/// The interval picker and pause button, with a dot that is green while refreshing runs
/// and pulses while a refresh is on its way (`loading`).
#[component]
pub fn RefreshControl(auto: AutoRefresh, #[prop(into)] loading: Signal<bool>) -> impl IntoView {
    let options = CHOICES
        .iter()
        .map(|(v, label)| view! { <option value=v.to_string() selected=move || auto.every.get() == *v>{*label}</option> })
        .collect_view();
    let on_change = move |ev: leptos::ev::Event| {
        let v = event_target_value(&ev).parse::<u32>().unwrap_or(0);
        auto.every.set(v);
        auto.paused.set(false);
        store(v);
    };
    let pause_label = move || if auto.paused.get() { "Resume" } else { "Pause" };
    view! {
        <div class="refresh-control" role="group" aria-label="Automatic refresh">
            <label class="refresh-select">
                <span>"Refresh"</span>
                <select class="select select-sm" on:change=on_change aria-label="Refresh every">{options}</select>
            </label>
            <button type="button" class="btn btn-sm" aria-pressed=move || auto.paused.get().to_string()
                disabled=move || auto.every.get() == 0
                on:click=move |_| auto.paused.update(|p| *p = !*p)>{pause_label}</button>
            <span class="refresh-dot" class:live=move || auto.running() class:busy=move || loading.get()
                title=move || if auto.running() { "Refreshing on its own" } else { "Not refreshing" }></span>
        </div>
    }
}

/// "Updated 12:04:31 UTC": when the shown data was read (the server's clock, so the first
/// render matches on both sides). Rendered with the data, inside its `<Transition>`.
#[component]
pub fn UpdatedAt(auto: AutoRefresh, at: chrono::DateTime<chrono::Utc>) -> impl IntoView {
    view! {
        <p class="refresh-status" aria-live="polite">
            {format!("Updated {}", at.format("%H:%M:%S UTC"))}
            {move || (auto.paused.get() && auto.every.get() > 0).then_some(" · paused")}
        </p>
    }
}
