//! The confirmations (delete, acknowledge) and the add/edit form.

#[allow(unused_imports)]
use super::*;

/// Deleting a check, confirmed (`?delete=<id>`; works without JavaScript).
#[component]
pub(super) fn DeleteDialog(id: Uuid, name: String, ctx: Ctx) -> AnyView {
    let back = ctx.addr.href(None);
    view! {
        <ConfirmDialog title=format!("Delete the check {name}?") cancel_href=back.clone()>
            <ActionForm action=ctx.delete>
                <input type="hidden" name="tenant" value=ctx.tenant.to_string()/>
                <input type="hidden" name="check" value=id.to_string()/>
                <div class="modal-body" id="confirm-text">
                    <p>"Its probes stop, and its uptime, response times and incidents go with it. This can't be undone."</p>
                </div>
                <ConfirmButtons cancel_href=back label="Delete" danger=true pending=ctx.delete.pending()/>
            </ActionForm>
        </ConfirmDialog>
    }
    .into_any()
}

/// Acknowledging an open incident with a note, optionally silencing the check's alerts
/// (`?ack=<id>`; works without JavaScript).
#[component]
pub(super) fn AckDialog(i: Incident, ctx: Ctx) -> AnyView {
    let back = ctx.addr.href(None);
    let ack = ctx.ack;
    let error = move |f: &'static str| {
        Signal::derive(move || match ack.value().get() {
            Some(Err(e)) => e.field(f),
            _ => None,
        })
    };
    let (note_error, silence_error) = (error("note"), error("silence_minutes"));
    let silences = [(0, "Don't silence"), (30, "30 minutes"), (60, "1 hour"), (240, "4 hours"), (1440, "1 day")]
        .into_iter()
        .map(|(m, label)| view! { <option value=m.to_string() selected=m == 0>{label}</option> })
        .collect_view();
    view! {
        <ConfirmDialog title=format!("Acknowledge the incident on {}?", i.check_name) cancel_href=back.clone()>
            <ActionForm action=ack>
                <input type="hidden" name="tenant" value=ctx.tenant.to_string()/>
                <input type="hidden" name="incident" value=i.id.to_string()/>
                <div class="modal-body" id="confirm-text">
                    <p>"Tells everyone someone is on it. The incident stays open until the check is up again."</p>
                    <div class="field" class:invalid=move || note_error.get().is_some()>
                        <label for="ack-note">"Note " <span class="muted">"(optional)"</span></label>
                        <textarea id="ack-note" name="note" rows="3" maxlength=MAX_NOTE autofocus
                            placeholder="e.g. Restarting the API pods"
                            aria-invalid=move || note_error.get().is_some().to_string()
                            aria-describedby=move || note_error.get().map(|_| "ack-note-error")></textarea>
                        <FieldError message=note_error id="ack-note-error"/>
                    </div>
                    <div class="field" class:invalid=move || silence_error.get().is_some()>
                        <label for="ack-silence">"Silence alerts"</label>
                        <select id="ack-silence" name="silence_minutes"
                            aria-describedby=move || if silence_error.get().is_some() { "ack-silence-hint ack-silence-error" } else { "ack-silence-hint" }>
                            {silences}
                        </select>
                        <p class="hint" id="ack-silence-hint">"No alerts about this check for that long; the probes go on."</p>
                        <FieldError message=silence_error id="ack-silence-error"/>
                    </div>
                </div>
                <ConfirmButtons cancel_href=back label="Acknowledge" pending=ack.pending()/>
            </ActionForm>
        </ConfirmDialog>
    }
    .into_any()
}

/// A check's values as the form edits them.
pub(super) fn input_of(c: &Check) -> CheckInput {
    CheckInput {
        name: c.name.clone(),
        url: c.url.clone(),
        method: c.method.clone(),
        expected_status: c.expected_status.clone(),
        timeout_ms: c.timeout_ms,
        interval_secs: c.interval_secs,
        body_contains: c.body_contains.clone(),
        slow_ms: c.slow_ms,
        cert_expiry_days: c.cert_expiry_days,
        down_after: c.down_after,
        up_after: c.up_after,
        enabled: c.enabled,
    }
}

pub(super) fn focus_first_error() {
    request_animation_frame(|| {
        if let Ok(Some(el)) =
            document().query_selector(".check-form .field.invalid input, .check-form .field.invalid select")
        {
            if let Ok(el) = leptos::wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el) {
                let _ = el.focus();
            }
        }
    });
}

/// Adding or editing a check, in a modal panel. Checked here with the server's own rules
/// (`CheckInput::validate`) when submitted, then again at every change until it passes; the
/// server's messages show under their fields the same way. Outside the tab's refresh, so
/// what is typed stays while the list behind it refreshes.
#[component]
pub(super) fn CheckForm(tenant: Uuid, editor: Editor, close: Callback<()>, saved: Refresh) -> AnyView {
    let create = ServerAction::<CreateHealthCheck>::new();
    let update = ServerAction::<UpdateHealthCheck>::new();
    after(create).refresh(saved).fields_in_form().toast(move |c: Check| {
        close.run(());
        format!("Added the check {}: its first probe runs in a moment.", c.name).into()
    });
    after(update).refresh(saved).fields_in_form().toast(move |c: Check| {
        close.run(());
        format!("Saved the check {}.", c.name).into()
    });
    let (initial, editing) = match &editor {
        Editor::New => (CheckInput::default(), None),
        Editor::Edit(c) => (input_of(c), Some((c.id, c.name.clone()))),
    };
    let editing_id = editing.as_ref().map(|(id, _)| *id);
    let name = RwSignal::new(initial.name.clone());
    let url = RwSignal::new(initial.url.clone());
    let method = RwSignal::new(initial.method.clone());
    let expected = RwSignal::new(initial.expected_status.clone());
    let interval = RwSignal::new(initial.interval_secs.to_string());
    let timeout = RwSignal::new(initial.timeout_ms.to_string());
    let body = RwSignal::new(initial.body_contains.clone().unwrap_or_default());
    let slow = RwSignal::new(initial.slow_ms.map(|v| v.to_string()).unwrap_or_default());
    let cert = RwSignal::new(initial.cert_expiry_days.to_string());
    let down_after = RwSignal::new(initial.down_after.to_string());
    let up_after = RwSignal::new(initial.up_after.to_string());
    let enabled = RwSignal::new(initial.enabled);
    let local = RwSignal::new(FieldErrors::new());
    let tried = RwSignal::new(false);

    // The form as a `CheckInput`, or a message per field.
    let read = move || -> Result<CheckInput, FieldErrors> {
        let d = CheckInput::default();
        let mut bad = FieldErrors::new();
        let mut whole = |field: &str, s: String, fallback: i32| match s.trim().parse::<i32>() {
            Ok(v) => v,
            Err(_) => {
                bad.insert(field.to_string(), "Enter a whole number.".into());
                fallback
            }
        };
        let interval_secs = whole("interval_secs", interval.get_untracked(), d.interval_secs);
        let timeout_ms = whole("timeout_ms", timeout.get_untracked(), d.timeout_ms);
        let slow_text = slow.get_untracked();
        let slow_ms = (!slow_text.trim().is_empty()).then(|| whole("slow_ms", slow_text, 1));
        let cert_expiry_days = whole("cert_expiry_days", cert.get_untracked(), d.cert_expiry_days);
        let down = whole("down_after", down_after.get_untracked(), d.down_after);
        let up = whole("up_after", up_after.get_untracked(), d.up_after);
        let input = CheckInput {
            name: name.get_untracked(),
            url: url.get_untracked(),
            method: method.get_untracked(),
            expected_status: expected.get_untracked(),
            timeout_ms,
            interval_secs,
            body_contains: Some(body.get_untracked()).filter(|b| !b.trim().is_empty()),
            slow_ms,
            cert_expiry_days,
            down_after: down,
            up_after: up,
            enabled: enabled.get_untracked(),
        };
        match input.validate() {
            Ok(clean) if bad.is_empty() => Ok(clean),
            Ok(_) => Err(bad),
            Err(mut e) => {
                // A number that isn't one says so, not what its stand-in broke.
                e.extend(bad);
                Err(e)
            }
        }
    };
    let server = move || {
        let refused = |v: Option<Result<Check, AppError>>| v.and_then(Result::err);
        if editing_id.is_some() {
            refused(update.value().get())
        } else {
            refused(create.value().get())
        }
    };
    let err = field_errors(local, server);
    let pending = Signal::derive(move || create.pending().get() || update.pending().get());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        tried.set(true);
        match read() {
            Err(e) => {
                local.set(e);
                focus_first_error();
            }
            Ok(input) => {
                local.set(FieldErrors::new());
                match editing_id {
                    Some(check) => {
                        update.dispatch(UpdateHealthCheck { tenant, check, input });
                    }
                    None => {
                        create.dispatch(CreateHealthCheck { tenant, input });
                    }
                }
            }
        }
    };
    // After a first try, the messages follow every change.
    let recheck = move |_: leptos::ev::Event| {
        if tried.get_untracked() {
            local.set(read().err().unwrap_or_default());
        }
    };
    Effect::new(move |_| {
        request_animation_frame(|| {
            focus("hc-name");
        });
    });
    let title = match &editing {
        Some((_, n)) => format!("Edit the check {n}"),
        None => "Add a health check".to_string(),
    };
    let submit_label = if editing.is_some() { "Save changes" } else { "Add check" };
    let method_now = initial.method.clone();
    let methods =
        METHODS.into_iter().map(|m| view! { <option value=m selected=m == method_now>{m}</option> }).collect_view();
    let method_error = err("method");
    view! {
        <div class="modal-overlay" on:keydown=move |ev| if ev.key() == "Escape" { close.run(()) }>
            <div class="modal modal-wide" role="dialog" aria-modal="true" aria-labelledby="check-form-title">
                <h2 class="modal-title" id="check-form-title">{title}</h2>
                <form class="stack check-form" novalidate on:submit=submit on:input=recheck on:change=recheck>
                    <div class="field-row">
                        <TextField label="Name" id="hc-name" value=name error=err("name") required=true placeholder="API"/>
                        <div class="field" class:invalid=move || method_error.get().is_some()>
                            <label for="hc-method">"Method"</label>
                            <select id="hc-method" name="hc-method" on:change=move |ev| method.set(event_target_value(&ev))
                                aria-invalid=move || method_error.get().is_some().to_string()>
                                {methods}
                            </select>
                            <FieldError message=method_error id="hc-method-error"/>
                        </div>
                    </div>
                    <TextField label="URL" id="hc-url" value=url error=err("url") required=true inputmode="url"
                        placeholder="https://api.example.com/health"
                        hint="http or https. Local and private addresses are refused unless your operator allows them."/>
                    <div class="field-row">
                        <TextField label="Expected statuses" id="hc-expected" value=expected error=err("expected_status")
                            hint="Codes and ranges, e.g. 200-299, 304"/>
                        <TextField label="Body must contain" id="hc-body" value=body error=err("body_contains")
                            hint="Optional: without this text the answer counts as degraded"/>
                    </div>
                    <div class="field-grid">
                        <TextField label="Interval (seconds)" id="hc-interval" value=interval error=err("interval_secs")
                            inputmode="numeric" hint="How often: 10 to 86400"/>
                        <TextField label="Timeout (ms)" id="hc-timeout" value=timeout error=err("timeout_ms")
                            inputmode="numeric" hint="100 to 60000, at most the interval"/>
                        <TextField label="Slow above (ms)" id="hc-slow" value=slow error=err("slow_ms")
                            inputmode="numeric" hint="Optional: slower counts as degraded"/>
                        <TextField label="Certificate warning (days)" id="hc-cert" value=cert error=err("cert_expiry_days")
                            inputmode="numeric" hint="https: degraded this close to expiry; 0: never"/>
                        <TextField label="Down after (failures)" id="hc-down-after" value=down_after error=err("down_after")
                            inputmode="numeric" hint="Bad results in a row before it counts as down, 1 to 10"/>
                        <TextField label="Up after (successes)" id="hc-up-after" value=up_after error=err("up_after")
                            inputmode="numeric" hint="Good results in a row before it counts as up again, 1 to 10"/>
                    </div>
                    <label class="checkbox">
                        <input type="checkbox" id="hc-enabled" prop:checked=move || enabled.get()
                            on:change=move |ev| enabled.set(event_target_checked(&ev))/>
                        "Enabled: probe it on its schedule"
                    </label>
                    <div class="modal-actions">
                        <button type="button" class="btn btn-ghost" on:click=move |_| close.run(())>"Cancel"</button>
                        <button type="submit" class="btn btn-primary" disabled=move || pending.get()>
                            <Busy when=pending/>
                            {submit_label}
                        </button>
                    </div>
                </form>
            </div>
        </div>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn probes_read_as_one_line() {
        let at = Utc.with_ymd_and_hms(2026, 12, 8, 14, 25, 0).unwrap();
        let up = ProbeResult {
            at,
            outcome: Outcome::Up,
            status: Some(200),
            ms: 45,
            cause: None,
            detail: None,
            cert_days_left: None,
        };
        assert_eq!(probe_summary(&up), "Up · HTTP 200 · 45 ms");
        let refused = ProbeResult { outcome: Outcome::Down, status: None, ms: 2, cause: Some(Cause::Refused), ..up };
        assert_eq!(probe_summary(&refused), "Down · 2 ms · Connection refused");
    }

    #[test]
    fn the_period_comes_from_the_address_and_a_bad_one_says_why() {
        assert_eq!(Range::parse(Some("7d"), None, None), (Range::Week, None));
        assert_eq!(Range::parse(Some("30d"), None, None).0.period(), ChartPeriod::Last(720));
        assert_eq!(Range::parse(Some("nonsense"), None, None), (Range::Day, None));
        let (f, t) = (NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(), NaiveDate::from_ymd_opt(2026, 11, 30).unwrap());
        let custom = Range::parse(Some("7d"), Some("2026-11-01"), Some("2026-11-30"));
        assert_eq!(custom, (Range::Custom(f, t), None));
        assert_eq!(custom.0.params(), vec!["from=2026-11-01", "to=2026-11-30"]);
        for (from, to) in [
            (Some("2026-11-30"), Some("2026-11-01")),
            (Some("2026-11-01"), None),
            (Some("11/01/2026"), Some("2026-11-30")),
        ] {
            let (r, why) = Range::parse(None, from, to);
            assert_eq!(r, Range::Day, "{from:?} {to:?}");
            assert!(why.is_some_and(|w| w.starts_with("The period asked for is not shown")), "{from:?} {to:?}");
        }
    }
}
