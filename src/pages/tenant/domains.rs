//! The Custom domains card of a tenant's Settings tab (PRODUCT.md C4): add a domain, publish
//! the TXT record it shows, verify now or let the checks find it; each domain's status, the
//! last check's answer and the next one.

use crate::components::format::opt_time;
use crate::components::*;
use crate::fns::domains::{get_domains, AddDomain, RemoveDomain, VerifyDomain};
use crate::model::domains::{Domain, DomainStatus, SCHEDULE};
use crate::model::Tenant;
use leptos::prelude::*;
use uuid::Uuid;

#[component]
pub fn DomainsCard(t: Tenant, may_edit: bool) -> AnyView {
    let tenant = t.id;
    let editable = may_edit && t.status.is_live();
    let refresh = Refresh::new();
    let add = ServerAction::<AddDomain>::new();
    let verify = ServerAction::<VerifyDomain>::new();
    let remove = ServerAction::<RemoveDomain>::new();
    let typed = RwSignal::new(String::new());
    after(add)
        .refresh(refresh)
        .fields_in_form()
        .toast(|d: Domain| format!("Added {}. Publish its TXT record, then verify.", d.domain).into());
    after(verify).refresh(refresh).toast(|d: Domain| match d.status {
        DomainStatus::Verified => format!("{} is verified.", d.domain).into(),
        _ => format!("{} is not verified yet: {}", d.domain, d.last_result).into(),
    });
    after(remove).refresh(refresh).toast(|_| "Removed the domain.".to_string().into());
    Effect::new(move |_| {
        if let Some(Ok(_)) = add.value().get() {
            typed.set(String::new());
        }
    });
    let local = RwSignal::new(crate::error::FieldErrors::new());
    let error = field_errors(local, move || match add.value().get() {
        Some(Err(e)) => Some(e),
        _ => None,
    });
    let domains = resource(move || refresh.track(), move |_| get_domains(tenant));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let d = crate::model::domains::NewDomain { domain: typed.get_untracked() };
        match d.normalised() {
            Ok(_) => {
                local.set(Default::default());
                add.dispatch(AddDomain { tenant, domain: d.domain });
            }
            Err(m) => local.set([("domain".to_string(), m)].into()),
        }
    };
    let pending = add.pending();
    view! {
        <section class="card" aria-labelledby="domains-title" data-testid="domains">
            <div class="card-header"><h2 class="card-title" id="domains-title">"Custom domains"</h2></div>
            <p class="hint card-lead">
                "Serve this tenant's sign-in page and portal at a domain of your own. Point the domain at the portal, publish the TXT record shown for it, then verify: only a verified domain opens this tenant. "
                {SCHEDULE}
            </p>
            <Transition fallback=|| view! { <Loading text="Loading domains…"/> }>
                {move || Suspend::new(async move {
                    match domains.await {
                        Ok(list) if list.is_empty() => view! { <p class="hint">"No custom domains yet."</p> }.into_any(),
                        Ok(list) => view! {
                            <ul class="domain-list">
                                {list.into_iter().map(|d| view! { <DomainRow d tenant editable verify remove/> }).collect_view()}
                            </ul>
                        }
                        .into_any(),
                        Err(e) => view! { <ErrorAlert error=e/> }.into_any(),
                    }
                })}
            </Transition>
            {editable.then(|| view! {
                <form class="form domain-add" on:submit=submit novalidate>
                    <div class="field-row">
                        <TextField label="Add a domain" id="new-domain" value=typed error=error("domain") placeholder="app.example.com"/>
                    </div>
                    <div class="form-actions plain">
                        <button class="btn btn-primary" type="submit" disabled=move || pending.get()>
                            <Busy when=pending/>
                            "Add domain"
                        </button>
                    </div>
                </form>
            })}
        </section>
    }
    .into_any()
}

#[component]
fn DomainRow(
    d: Domain,
    tenant: Uuid,
    editable: bool,
    verify: ServerAction<VerifyDomain>,
    remove: ServerAction<RemoveDomain>,
) -> AnyView {
    let badge = match d.status {
        DomainStatus::Verified => "badge badge-active",
        DomainStatus::Pending => "badge badge-warning",
        DomainStatus::Failed => "badge badge-failed",
    };
    let slug = d.domain.replace('.', "-");
    let (name_id, value_id) = (format!("txt-name-{slug}"), format!("txt-value-{slug}"));
    let checked = match &d.last_checked_at {
        Some(_) => format!("Checked {}: {}", opt_time(&d.last_checked_at), d.last_result),
        None => "Not checked yet.".to_string(),
    };
    let next = d
        .next_check_at
        .map(|_| format!("Next check {}; the checks stop {}.", opt_time(&d.next_check_at), opt_time(&d.gives_up_at)));
    let confirming = RwSignal::new(false);
    let (verifying, removing) = (verify.pending(), remove.pending());
    let (dv, dr) = (d.domain.clone(), d.domain.clone());
    let verified = d.status == DomainStatus::Verified;
    view! {
        <li class="domain-row" data-testid=format!("domain-{}", d.domain)>
            <div class="domain-head">
                <span class="mono domain-name">{d.domain.clone()}</span>
                {d.primary.then(|| view! { <span class="badge badge-neutral">"Primary"</span> })}
                <span class=badge data-testid="domain-status">{d.status.label()}</span>
            </div>
            {(!verified).then(|| view! {
                <div class="txt-record">
                    <label for=name_id.clone()>"TXT record name"</label>
                    <div class="secret-row">
                        <input id=name_id.clone() class="mono" readonly value=d.record_name.clone()/>
                        <CopyButton text=d.record_name.clone() target=name_id.clone() label="Copy the record name".to_string()/>
                    </div>
                    <label for=value_id.clone()>"TXT record value"</label>
                    <div class="secret-row">
                        <input id=value_id.clone() class="mono" readonly value=d.record_value.clone()/>
                        <CopyButton text=d.record_value.clone() target=value_id.clone() label="Copy the record value".to_string()/>
                    </div>
                </div>
            })}
            <p class="hint" data-testid="domain-answer">{checked}</p>
            {next.map(|n| view! { <p class="hint">{n}</p> })}
            {editable.then(|| view! {
                <div class="form-actions plain">
                    {(!verified).then(|| view! {
                        <button class="btn" type="button" disabled=move || verifying.get()
                            on:click=move |_| { verify.dispatch(VerifyDomain { tenant, domain: dv.clone() }); }>
                            <Busy when=verifying/>
                            "Verify now"
                        </button>
                    })}
                    <Show when=move || confirming.get() fallback=move || view! {
                        <button class="btn btn-ghost" type="button" on:click=move |_| confirming.set(true)>"Remove"</button>
                    }>
                        <span class="hint" role="alert">"It stops working at once."</span>
                        <button class="btn btn-danger" type="button" disabled=move || removing.get()
                            on:click={
                                let dr = dr.clone();
                                move |_| { remove.dispatch(RemoveDomain { tenant, domain: dr.clone() }); }
                            }>
                            "Remove domain"
                        </button>
                        <button class="btn btn-ghost" type="button" on:click=move |_| confirming.set(false)>"Keep"</button>
                    </Show>
                </div>
            })}
        </li>
    }
    .into_any()
}
