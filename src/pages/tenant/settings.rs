//! A tenant's Settings tab: name, description, plan, domain, features and metadata, with
//! per-field messages (checked here as on the server); the branding has its own card.

use super::branding::BrandingCard;
use super::config::ConfigCard;
use super::domains::DomainsCard;
use super::flags::TenantFlagsCard;
use super::{may, tab};
use crate::components::*;
use crate::fns::tenants::{get_catalog, UpdateTenant};
use crate::model::*;
use leptos::prelude::*;

/// The Settings tab: every member sees the settings; those who may edit the tenant change
/// them, the others read them (the forms are shown disabled, with a note saying why).
#[component]
pub fn SettingsTab() -> impl IntoView {
    tab("settings", |t, me| {
        let may_edit = may(&me, &t, Permission::TenantEdit);
        let note = (!may_edit && t.status.is_live()).then(|| {
            view! {
                <div class="alert alert-info" role="note" data-testid="read-only">
                    "You can see this tenant's settings; changing them takes the owner or admin role."
                </div>
            }
        });
        view! {
            <div class="stack-lg">
                {note}
                {view! { <EditTenant t=t.clone() may_edit/> }.into_any()}
                <ConfigCard t=t.clone() may_edit/>
                <TenantFlagsCard t=t.clone() admin=me.as_ref().is_some_and(|m| m.is_platform_admin)/>
                <DomainsCard t=t.clone() may_edit/>
                <BrandingCard t may_edit/>
            </div>
        }
    })
}

/// The form; built again with the saved tenant after each save (the layout reloads it), so
/// the next save sends the new version. A refused save reloads nothing and keeps what was
/// typed.
#[component]
fn EditTenant(t: Tenant, may_edit: bool) -> impl IntoView {
    let save = ServerAction::<UpdateTenant>::new();
    if let Some(tenant) = use_tenant_refresh() {
        after(save).refresh(tenant.refresh).fields_in_form().toast(|t| format!("Saved changes to {}.", t.name).into());
    }
    let editable = t.status.is_live() && may_edit;
    let name = RwSignal::new(t.name.clone());
    let description = RwSignal::new(t.description.clone());
    let plan = RwSignal::new(t.plan.clone());
    let domain = RwSignal::new(t.domain.clone().unwrap_or_default());
    let metadata = RwSignal::new(serde_json::to_string_pretty(&t.metadata).unwrap_or_default());
    let local_errors = RwSignal::new(crate::error::FieldErrors::new());
    let catalog = resource(|| (), |_| get_catalog());
    let (id, version) = (t.id, t.version);

    let error = field_errors(local_errors, move || match save.value().get() {
        Some(Err(e)) => Some(e),
        _ => None,
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut errs = crate::error::FieldErrors::new();
        let meta = match serde_json::from_str::<serde_json::Value>(&metadata.get_untracked()) {
            Ok(v) => Some(v),
            Err(_) => {
                errs.insert("metadata".into(), "Enter valid JSON, e.g. {\"team\": \"sales\"}.".into());
                None
            }
        };
        let change = TenantUpdate {
            name: Some(name.get_untracked()),
            description: Some(description.get_untracked()),
            plan: Some(plan.get_untracked()),
            domain: Some(domain.get_untracked()),
            // The Feature flags card changes the flags.
            features: None,
            // The branding card saves the branding.
            branding: None,
            settings: None,
            metadata: meta,
            expected_version: Some(version),
        };
        if let Err(e) = change.validate() {
            errs.extend(e.fields());
        }
        local_errors.set(errs.clone());
        if errs.is_empty() {
            save.dispatch(UpdateTenant { id, change });
        }
    };
    let pending = save.pending();

    view! {
        <section class="card">
            {(!t.status.is_live()).then(|| view! { <div class="alert alert-info">"A terminated tenant can no longer be edited."</div> })}
            <form class="form" on:submit=submit novalidate>
                <fieldset disabled=!editable>
                    <div class="field-row">
                        <TextField label="Name" id="name" value=name error=error("name") required=true/>
                        <div class="field" class:invalid=move || error("plan").get().is_some()>
                            <label for="plan">"Plan"</label>
                            <Transition fallback=|| ()>
                                {move || Suspend::new(async move {
                                    let plans = catalog.await.map(|c| c.plans).unwrap_or_default();
                                    view! {
                                        <select id="plan" on:change=move |ev| plan.set(event_target_value(&ev))>
                                            {plans.into_iter().map(|p| {
                                                let sel = p.id == plan.get_untracked();
                                                view! { <option value=p.id.clone() selected=sel>{format!("{} · {}", p.name, p.price_label())}</option> }
                                            }).collect_view()}
                                        </select>
                                    }
                                })}
                            </Transition>
                            <FieldError message=error("plan") id="plan-error"/>
                        </div>
                    </div>
                    <div class="field" class:invalid=move || error("description").get().is_some()>
                        <label for="description">"Description"</label>
                        <textarea id="description" rows="2" prop:value=move || description.get()
                            on:input=move |ev| description.set(event_target_value(&ev))>{description.get_untracked()}</textarea>
                        <FieldError message=error("description") id="description-error"/>
                    </div>
                    <div class="field-row">
                        <TextField label="Custom domain" id="domain" value=domain error=error("domain") hint="The primary domain; it works once verified under Custom domains. Empty for none."/>
                    </div>
                    <div class="field" class:invalid=move || error("metadata").get().is_some()>
                        <label for="metadata">"Metadata (JSON)"</label>
                        <textarea id="metadata" class="mono" rows="4" prop:value=move || metadata.get()
                            on:input=move |ev| metadata.set(event_target_value(&ev))>{metadata.get_untracked()}</textarea>
                        <FieldError message=error("metadata") id="metadata-error"/>
                    </div>
                    <div class="form-actions">
                        <button class="btn btn-primary" type="submit" disabled=move || pending.get()>
                            <Busy when=pending/>
                            "Save changes"
                        </button>
                    </div>
                </fieldset>
            </form>
        </section>
    }
}
