//! The Branding card of a tenant's Settings tab (PRODUCT.md C2): the logo address and the
//! colours for the light and the dark scheme, each checked for contrast as it is typed
//! (with a colour that passes to use instead), a live preview of the portal in them, and a
//! save after which the tenant's pages show them without a reload.

use crate::components::*;
use crate::fns::tenants::UpdateTenant;
use crate::model::branding::{theme, Role, ROLES};
use crate::model::contrast::{ratio_label, Rgb};
use crate::model::*;
use leptos::prelude::*;

/// The form; rebuilt with the saved tenant after each save (the layout reloads it).
#[component]
pub fn BrandingCard(t: Tenant, may_edit: bool) -> AnyView {
    let save = ServerAction::<UpdateTenant>::new();
    if let Some(tenant) = use_tenant_refresh() {
        after(save)
            .refresh(tenant.refresh)
            .fields_in_form()
            .toast(|t| format!("Saved the branding of {}.", t.name).into());
    }
    let editable = t.status.is_live() && may_edit;
    let logo = RwSignal::new(t.branding.logo_url.clone().unwrap_or_default());
    let colours = ROLES.map(|r| RwSignal::new(r.value(&t.branding).clone().unwrap_or_default()));
    let local_errors = RwSignal::new(crate::error::FieldErrors::new());
    let error = field_errors(local_errors, move || match save.value().get() {
        Some(Err(e)) => Some(e),
        _ => None,
    });
    let opt = |s: String| Some(s.trim().to_lowercase()).filter(|s| !s.is_empty());
    let candidate = Signal::derive(move || Branding {
        logo_url: Some(logo.get().trim().to_string()).filter(|s| !s.is_empty()),
        primary_color: opt(colours[0].get()),
        secondary_color: opt(colours[1].get()),
        accent_color: opt(colours[2].get()),
        dark_primary_color: opt(colours[3].get()),
        dark_secondary_color: opt(colours[4].get()),
        dark_accent_color: opt(colours[5].get()),
    });
    let (id, version) = (t.id, t.version);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let change = TenantUpdate {
            branding: Some(candidate.get_untracked()),
            expected_version: Some(version),
            ..Default::default()
        };
        let errs = change.validate().err().map(|e| e.fields()).unwrap_or_default();
        local_errors.set(errs.clone());
        if errs.is_empty() {
            save.dispatch(UpdateTenant { id, change });
        }
    };
    let pending = save.pending();
    let fields = |dark: bool| {
        ROLES
            .iter()
            .zip(colours)
            .filter(move |(r, _)| r.dark == dark)
            .map(|(r, value)| view! { <ColourField role=*r value error=error(r.path)/> }.into_any())
            .collect_view()
    };
    view! {
        <section class="card" aria-labelledby="branding-title" data-testid="branding">
            <div class="card-header">
                <h2 class="card-title" id="branding-title">"Branding"</h2>
            </div>
            <p class="hint card-lead">
                "Members see this tenant's pages in these colours. Each colour is checked against the backgrounds it sits \
                 on (WCAG AA: 4.5:1 for text, 3:1 for chart lines); the text on primary buttons is picked for you. \
                 Leave a colour empty for the portal's own; a dark colour left empty follows the light one."
            </p>
            <form class="form" on:submit=submit novalidate>
                <fieldset disabled=!editable>
                    <LogoField tenant=id logo editable error=error("branding.logo_url")/>
                    <div class="brand-grid">
                        <fieldset class="brand-scheme">
                            <legend>"Light"</legend>
                            {fields(false)}
                        </fieldset>
                        <fieldset class="brand-scheme">
                            <legend>"Dark"</legend>
                            {fields(true)}
                        </fieldset>
                    </div>
                    <Preview name=t.name.clone() branding=candidate/>
                    <div class="form-actions">
                        <button class="btn btn-primary" type="submit" id="save-branding" disabled=move || pending.get()>
                            <Busy when=pending/>
                            "Save branding"
                        </button>
                    </div>
                </fieldset>
            </form>
        </section>
    }
    .into_any()
}

/// The logo: the current one, a file to put in its place (sent and saved at once, so the
/// header shows it), and the address it is served at, which may instead be any https://
/// address. Checked in the browser for its size, and on the server for everything else.
#[component]
fn LogoField(tenant: uuid::Uuid, logo: RwSignal<String>, editable: bool, error: Signal<Option<String>>) -> AnyView {
    let uploading = RwSignal::new(false);
    let refused = RwSignal::new(None::<String>);
    let refresh = use_tenant_refresh();
    let toasts = use_toasts();
    let picked = move |ev: leptos::ev::Event| {
        let input = event_target::<web_sys::HtmlInputElement>(&ev);
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        input.set_value("");
        if file.size() > 512.0 * 1024.0 {
            refused.set(Some(format!(
                "This file is {:.0} KB; a logo may be at most 512 KB.",
                (file.size() / 1024.0).ceil()
            )));
            return;
        }
        uploading.set(true);
        refused.set(None);
        leptos::task::spawn_local(async move {
            let url = format!("/api/v1/tenants/{tenant}/branding/logo");
            match crate::components::upload::put_file::<Branding>(&url, &file).await {
                Ok(saved) => {
                    logo.set(saved.logo_url.unwrap_or_default());
                    toasts.success("Uploaded the logo; members see it now.");
                    if let Some(r) = refresh {
                        r.refresh.bump();
                    }
                }
                Err(e) => refused.set(Some(e.field("logo").unwrap_or_else(|| e.to_string()))),
            }
            uploading.set(false);
        });
    };
    let shown = move || Some(logo.get()).filter(|l| !l.trim().is_empty());
    let message = Signal::derive(move || refused.get().or_else(|| error.get()));
    view! {
        <div class="field logo-field" class:invalid=move || message.get().is_some()>
            <span class="label" id="logo-label">"Logo"</span>
            <div class="logo-row">
                <div class="logo-frame">
                    {move || match shown() {
                        Some(src) => view! { <img src=src alt="The current logo" data-testid="logo-current"/> }.into_any(),
                        None => view! { <span class="hint">"None"</span> }.into_any(),
                    }}
                </div>
                <div class="stack-sm">
                    // The input is hidden behind its label (a button); `input:focus-visible + label`
                    // shows the keyboard focus on the label.
                    <input type="file" id="logo-file" class="sr-only" accept="image/png,image/jpeg,image/webp,image/svg+xml"
                        aria-describedby="logo-hint logo-error" disabled=move || !editable || uploading.get() on:change=picked/>
                    <label class="btn" class:disabled=!editable for="logo-file" aria-busy=move || uploading.get().to_string()>
                        <Busy when=uploading/>
                        {move || if uploading.get() { "Uploading…" } else { "Upload a file…" }}
                    </label>
                    {move || shown().map(|_| view! {
                        <button type="button" class="btn btn-sm btn-ghost" disabled=!editable on:click=move |_| logo.set(String::new())>
                            "Remove (on save)"
                        </button>
                    })}
                </div>
            </div>
            <p class="hint" id="logo-hint">"PNG, JPEG, WebP or SVG, at most 512 KB; saved as soon as it is uploaded. SVGs with scripts or links to other files are refused."</p>
            <FieldError message=message id="logo-error"/>
            <details class="logo-address">
                <summary>"Or use an address"</summary>
                <TextField label="Logo address" id="logo" value=logo error=Signal::derive(|| None) hint="https://…, kept as it is"/>
            </details>
        </div>
    }
    .into_any()
}

/// One colour: a picker and its text, what it is for, and its contrast as typed, with a
/// colour that passes to use instead when it fails.
#[component]
fn ColourField(role: Role, value: RwSignal<String>, error: Signal<Option<String>>) -> AnyView {
    let id = format!("brand-{}", role.field);
    let status_id = format!("{id}-status");
    let finding = move || Rgb::parse(&value.get()).map(|c| role.finding(c));
    let status = move || {
        finding().map(|f| {
            if f.passes() {
                view! { <p class="contrast-ok">{format!("✓ {} on {}", ratio_label(f.ratio), f.what.split(" on ").nth(1).unwrap_or(""))}</p> }
                    .into_any()
            } else {
                let fix = f.suggestion.map(|s| {
                    let hex = s.hex();
                    let label = format!("Use {hex}");
                    view! {
                        <button type="button" class="btn btn-sm" on:click=move |_| value.set(hex.clone())>
                            <span class="swatch" style=format!("background:{}", s.hex()) aria-hidden="true"></span>
                            {label}
                        </button>
                    }
                });
                view! { <p class="contrast-bad" role="status">{role.message(&f)}" "{fix}</p> }.into_any()
            }
        })
    };
    let described = format!("{status_id} {id}-error");
    view! {
        <div class="field colour-field" class:invalid=move || error.get().is_some()>
            <label for=id.clone()>{role.label}</label>
            <div class="colour-input">
                <input type="color" aria-label=format!("{}: pick", role.label)
                    prop:value=move || Rgb::parse(&value.get()).map_or(role.portal.to_string(), |c| c.hex())
                    on:input=move |ev| value.set(event_target_value(&ev))/>
                <input type="text" id=id.clone() class="mono" placeholder=format!("Default ({})", role.portal) spellcheck="false" autocomplete="off"
                    aria-describedby=described prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))/>
            </div>
            <p class="hint">{role.used_for}</p>
            <div id=status_id aria-live="polite">{status}</div>
            <FieldError message=error id=format!("{id}-error")/>
        </div>
    }
    .into_any()
}

/// The portal in the colours as typed, once light and once dark: a header, the current
/// tab, a badge, a link, a primary button and a chart's two lines.
#[component]
fn Preview(name: String, branding: Signal<Branding>) -> AnyView {
    let initial = name.chars().next().unwrap_or('T').to_uppercase().to_string();
    let themed = move || theme(&branding.get()).map(|(_, vars)| vars);
    let figures = ["light", "dark"]
        .into_iter()
        .map(|scheme| {
            let (name, initial) = (name.clone(), initial.clone());
            view! {
                <figure class=format!("brand-preview preview-{scheme}") style=themed data-testid=format!("preview-{scheme}")>
                    <figcaption class="sr-only">{format!("Preview, {scheme} scheme")}</figcaption>
                    <div class="pv-header">
                        {move || match branding.with(|b| b.logo_url.clone()) {
                            Some(src) => view! { <img class="pv-logo-img" src=src alt=""/> }.into_any(),
                            None => view! { <span class="pv-logo" aria-hidden="true">{initial.clone()}</span> }.into_any(),
                        }}
                        <strong>{name}</strong>
                    </div>
                    <div class="pv-tabs" aria-hidden="true"><span class="pv-tab pv-current">"Overview"</span><span class="pv-tab">"Usage"</span></div>
                    <div class="pv-body" aria-hidden="true">
                        <span class="pv-badge">"Professional"</span>
                        <span class="pv-link">"A link"</span>
                        <span class="pv-btn">"Save changes"</span>
                        <svg class="pv-chart" viewBox="0 0 120 36" preserveAspectRatio="none">
                            <polyline class="pv-line-a" points="0,26 20,20 40,22 60,12 80,15 100,8 120,10"/>
                            <polyline class="pv-line-b" points="0,32 20,30 40,31 60,26 80,28 100,22 120,24"/>
                        </svg>
                    </div>
                </figure>
            }
        })
        .collect_view();
    view! { <div class="brand-previews">{figures}</div> }.into_any()
}
