//! Creating a tenant: a plain form with live slug availability and the same validation
//! the server runs. (The provisioning wizard replaces it later.)

use crate::components::format;
use crate::components::*;
use crate::error::FieldErrors;
use crate::fns::tenants::{check_slug, get_catalog, CreateTenant};
use crate::model::validate::slugify;
use crate::model::*;
use crate::pages::tenant::TextField;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;
use std::time::Duration;

#[component]
pub fn NewTenantPage() -> impl IntoView {
    let name = RwSignal::new(String::new());
    let slug = RwSignal::new(String::new());
    // The slug follows the name until the user edits it.
    let slug_touched = RwSignal::new(false);
    let description = RwSignal::new(String::new());
    let plan = RwSignal::new(String::new());
    let region = RwSignal::new(String::new());
    let isolation = RwSignal::new(String::new());
    let domain = RwSignal::new(String::new());
    let local_errors = RwSignal::new(FieldErrors::new());
    let create = ServerAction::<CreateTenant>::new();
    let catalog = Resource::new(|| (), |_| get_catalog());
    let toasts = use_toasts();
    let navigate = use_navigate();

    // Ask the server about the slug once typing pauses.
    let slug_to_check = RwSignal::new(String::new());
    let mut schedule_check = debounce(Duration::from_millis(250), move |s: String| slug_to_check.set(s));
    Effect::new(move |_| schedule_check(slug.get()));
    let availability = Resource::new(
        move || slug_to_check.get(),
        |s| async move {
            if s.is_empty() {
                None
            } else {
                check_slug(s).await.ok()
            }
        },
    );

    Effect::new(move |_| match create.value().get() {
        Some(Ok(t)) => {
            toasts.success(format!("Created {}.", t.name));
            navigate(&format!("/tenants/{}", t.slug), Default::default());
        }
        Some(Err(e)) if e.fields().is_empty() => toasts.error(e.to_string()),
        _ => {}
    });

    let error = field_errors(local_errors, move || match create.value().get() {
        Some(Err(e)) => Some(e),
        _ => None,
    });
    let input = move || NewTenant {
        name: name.get_untracked(),
        slug: Some(slug.get_untracked()).filter(|s| !s.trim().is_empty()),
        description: Some(description.get_untracked()),
        plan: plan.get_untracked(),
        isolation: Isolation::parse(&isolation.get_untracked()),
        region: region.get_untracked(),
        domain: Some(domain.get_untracked()),
        ..Default::default()
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = input();
        match input.validate() {
            Err(e) => local_errors.set(e.fields()),
            Ok(_) => {
                local_errors.set(FieldErrors::new());
                create.dispatch(CreateTenant { input });
            }
        }
    };
    let on_name = Callback::new(move |v: String| {
        if !slug_touched.get_untracked() {
            slug.set(slugify(&v));
        }
    });
    let on_slug = Callback::new(move |_: String| slug_touched.set(true));
    let pending = create.pending();
    let select = move |id: &'static str,
                       label: &'static str,
                       value: RwSignal<String>,
                       options: Vec<(String, String)>,
                       placeholder: &'static str| {
        let err = error(id);
        view! {
            <div class="field" class:invalid=move || err.get().is_some()>
                <label for=id>{label}" *"</label>
                <select id=id name=id on:change=move |ev| value.set(event_target_value(&ev))
                    aria-invalid=move || err.get().is_some().to_string() aria-describedby=move || err.get().map(|_| format!("{id}-error"))>
                    <option value="" selected=move || value.get().is_empty()>{placeholder}</option>
                    {options.into_iter().map(|(v, l)| {
                        let v2 = v.clone();
                        view! { <option value=v selected=move || value.get() == v2>{l}</option> }
                    }).collect_view()}
                </select>
                <FieldError message=err id=format!("{id}-error")/>
            </div>
        }
    };

    view! {
        <Title text="New tenant"/>
        <nav class="breadcrumbs" aria-label="Breadcrumb"><a href="/tenants">"Tenants"</a> " / " <span>"New"</span></nav>
        <header class="page-header">
            <div>
                <h1>"New tenant"</h1>
                <p class="subtitle">"The tenant starts as pending; activate it when it is ready."</p>
            </div>
        </header>
        <section class="card">
            <form class="form" on:submit=submit novalidate>
                <div class="field-row">
                    <TextField label="Name" id="name" value=name error=error("name") required=true on_input=on_name/>
                    <div class="stack-0">
                        <TextField label="Slug" id="slug" value=slug error=error("slug") on_input=on_slug
                            hint="Lowercase letters, digits and hyphens; used in URLs."/>
                        <p class="slug-status" aria-live="polite">
                            <Transition fallback=|| view! { <span class="checking">"Checking…"</span> }>
                                {move || Suspend::new(async move {
                                    match availability.await {
                                        Some(c) if c.available => view! { <span class="ok">"✓ " {c.slug} " is available"</span> }.into_any(),
                                        Some(c) => view! { <span class="taken">"✗ " {c.message}</span> }.into_any(),
                                        None => ().into_any(),
                                    }
                                })}
                            </Transition>
                        </p>
                    </div>
                </div>
                <div class="field" class:invalid=move || error("description").get().is_some()>
                    <label for="description">"Description"</label>
                    <textarea id="description" name="description" rows="2" prop:value=move || description.get()
                        on:input=move |ev| description.set(event_target_value(&ev))></textarea>
                    <FieldError message=error("description") id="description-error"/>
                </div>
                <Suspense fallback=|| view! { <Loading text="Loading plans…"/> }>
                    {move || Suspend::new(async move {
                        match catalog.await {
                            Ok(cat) => {
                                let plans = cat.plans.iter().map(|p| (p.id.clone(), format!("{} · {} · {} users", p.name, p.price_label(), format::number(p.max_users)))).collect();
                                let regions = cat.regions.iter().map(|r| (r.id.clone(), r.name.clone())).collect();
                                let isolations = Isolation::ALL.iter().map(|i| (i.as_str().to_string(), i.label().to_string())).collect::<Vec<_>>();
                                let iso_err = error("isolation");
                                view! {
                                    <div class="field-row">
                                        {select("plan", "Plan", plan, plans, "Choose a plan")}
                                        {select("region", "Region", region, regions, "Choose a region")}
                                    </div>
                                    <div class="field-row">
                                        <div class="field" class:invalid=move || iso_err.get().is_some()>
                                            <label for="isolation">"Isolation"</label>
                                            <select id="isolation" on:change=move |ev| isolation.set(event_target_value(&ev))>
                                                <option value="">"The plan's default"</option>
                                                {isolations.into_iter().map(|(v, l)| view! { <option value=v>{l}</option> }).collect_view()}
                                            </select>
                                        </div>
                                        <TextField label="Custom domain" id="domain" value=domain error=error("domain") hint="Optional, e.g. app.example.com"/>
                                    </div>
                                }.into_any()
                            }
                            Err(e) => view! { <ErrorAlert error=e/> }.into_any(),
                        }
                    })}
                </Suspense>
                <div class="form-actions">
                    <a class="btn btn-ghost" href="/tenants">"Cancel"</a>
                    <button class="btn btn-primary" type="submit" disabled=move || pending.get()>
                        {move || pending.get().then(|| view! { <span class="spinner" aria-hidden="true"></span> })}
                        "Create tenant"
                    </button>
                </div>
            </form>
        </section>
    }
}
