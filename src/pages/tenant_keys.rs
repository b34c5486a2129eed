//! A tenant's API keys tab (PRODUCT.md A5): create with a name and scopes (the secret is
//! shown once), see prefixes and last use, revoke.

use crate::components::format::{opt_time, time};
use crate::components::*;
use crate::fns::api_keys::{list_api_keys, CreateApiKey, RevokeApiKey};
use crate::model::*;
use leptos::prelude::*;

#[component]
pub fn TenantKeys(t: Tenant) -> impl IntoView {
    let tenant = t.id;
    let refresh = RwSignal::new(0u32);
    let keys = Resource::new(move || refresh.get(), move |_| list_api_keys(tenant));
    let create = ServerAction::<CreateApiKey>::new();
    let revoke = ServerAction::<RevokeApiKey>::new();
    let toasts = use_toasts();
    let name = RwSignal::new(String::new());
    let scopes = RwSignal::new(vec![Scope::TenantsRead]);
    let local_error = RwSignal::new(None::<String>);
    Effect::new(move |_| match create.value().get() {
        Some(Ok(_)) => {
            name.set(String::new());
            refresh.update(|n| *n += 1);
        }
        Some(Err(e)) if e.fields().is_empty() => toasts.error(e.to_string()),
        _ => {}
    });
    Effect::new(move |_| match revoke.value().get() {
        Some(Ok(k)) => {
            toasts.success(format!("Revoked {} ({}). Calls with it now answer 401.", k.name, k.prefix));
            refresh.update(|n| *n += 1);
        }
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    let field = move |f: &'static str| {
        Signal::derive(move || {
            if f == "name" {
                if let Some(l) = local_error.get() {
                    return Some(l);
                }
            }
            match create.value().get() {
                Some(Err(e)) => e.field(f),
                _ => None,
            }
        })
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let n = name.get_untracked();
        if n.trim().is_empty() {
            local_error.set(Some("Give the key a name, e.g. \u{201c}billing service\u{201d}.".into()));
            return;
        }
        local_error.set(None);
        create.dispatch(CreateApiKey {
            tenant,
            name: n,
            scopes: scopes.get_untracked().iter().map(|s| s.as_str().to_string()).collect(),
        });
    };
    let pending = create.pending();
    view! {
        <div class="stack-lg">
            {move || match create.value().get() {
                Some(Ok(created)) => view! {
                    <section class="card secret-card" role="status">
                        <div class="card-header"><h2 class="card-title">{format!("New key \u{201c}{}\u{201d}", created.key.name)}</h2></div>
                        <p><strong>"Copy it now: you won't see this key again."</strong>" Send it as "<code>"Authorization: Bearer <key>"</code>"."</p>
                        <div class="secret-row">
                            <input class="mono secret" readonly value=created.secret.clone() aria-label="The new API key"
                                on:focus=|ev| { if let Some(i) = ev.target().and_then(|t| leptos::wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlInputElement>(t).ok()) { i.select(); } }/>
                            <CopyButton text=created.secret.clone()/>
                        </div>
                    </section>
                }.into_any(),
                _ => ().into_any(),
            }}
            <section class="card">
                <div class="card-header"><h2 class="card-title">"Create an API key"</h2></div>
                <form class="stack" on:submit=submit>
                    <div class="field" class:invalid=move || field("name").get().is_some()>
                        <label for="key-name">"Name"</label>
                        <input id="key-name" type="text" maxlength="80" placeholder="billing service" prop:value=move || name.get()
                            on:input=move |ev| name.set(event_target_value(&ev))
                            aria-invalid=move || field("name").get().is_some().to_string()/>
                        <FieldError message=field("name") id="key-name-error"/>
                    </div>
                    <fieldset class="field">
                        <legend class="label">"Scopes"</legend>
                        <div class="checks">
                            {Scope::ALL.into_iter().map(|s| view! {
                                <label class="check">
                                    <input type="checkbox" value=s.as_str()
                                        prop:checked=move || scopes.with(|v| v.contains(&s))
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            scopes.update(|v| { v.retain(|x| *x != s); if on { v.push(s); } });
                                        }/>
                                    <span><code>{s.as_str()}</code>" · "{s.describe()}</span>
                                </label>
                            }).collect_view()}
                        </div>
                        <FieldError message=field("scopes") id="key-scopes-error"/>
                    </fieldset>
                    <div>
                        <button class="btn btn-primary" type="submit" disabled=move || pending.get()>
                            {move || pending.get().then(|| view! { <span class="spinner" aria-hidden="true"></span> })}
                            "Create key"
                        </button>
                    </div>
                </form>
            </section>
            <section class="card table-card">
                <div class="card-header"><h2 class="card-title">"Keys"</h2></div>
                <Suspense fallback=|| view! { <Loading text="Loading keys…"/> }>
                    {move || Suspend::new(async move {
                        match keys.await {
                            Err(e) => view! { <ErrorAlert error=e/> }.into_any(),
                            Ok(list) if list.is_empty() => view! { <p class="muted pad">"No keys yet."</p> }.into_any(),
                            Ok(list) => view! {
                                <div class="table-wrap"><table class="table">
                                    <thead><tr>
                                        <th scope="col">"Name"</th><th scope="col">"Scopes"</th><th scope="col">"Created"</th>
                                        <th scope="col">"Last used"</th><th scope="col"><span class="sr-only">"Actions"</span></th>
                                    </tr></thead>
                                    <tbody>
                                        {list.into_iter().map(|k| {
                                            let live = k.revoked_at.is_none();
                                            let label = format!("{} ({})", k.name, k.prefix);
                                            view! {
                                                <tr class:row-muted=!live>
                                                    <td class="col-name"><div class="cell-title">{k.name.clone()}</div><div class="cell-sub mono">{format!("{}_…", k.prefix)}</div></td>
                                                    <td>{k.scopes.iter().map(|s| view! { <span class="badge badge-neutral">{s.as_str()}</span>" " }).collect_view()}</td>
                                                    <td>{time(&k.created_at)}<div class="cell-sub muted">{k.created_by.clone().unwrap_or_default()}</div></td>
                                                    <td>{opt_time(&k.last_used_at)}</td>
                                                    <td class="cell-actions">{if live {
                                                        view! {
                                                            <ActionForm action=revoke on:submit=move |ev| {
                                                                if !window().confirm_with_message(&format!("Revoke {label}? Services using it stop working at once.")).unwrap_or(true) { ev.prevent_default(); }
                                                            }>
                                                                <input type="hidden" name="tenant" value=tenant.to_string()/>
                                                                <input type="hidden" name="key" value=k.id.to_string()/>
                                                                <button class="btn btn-sm btn-ghost" type="submit" aria-label=format!("Revoke {}", k.name)>"Revoke"</button>
                                                            </ActionForm>
                                                        }.into_any()
                                                    } else {
                                                        view! { <span class="badge badge-terminated">"Revoked " {opt_time(&k.revoked_at)}</span> }.into_any()
                                                    }}</td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table></div>
                            }.into_any(),
                        }
                    })}
                </Suspense>
            </section>
        </div>
    }
}

/// Copies text to the clipboard (with JavaScript); says so for screen readers.
#[component]
fn CopyButton(text: String) -> impl IntoView {
    let copied = RwSignal::new(false);
    view! {
        <button class="btn" type="button" on:click=move |_| {
            let clipboard = window().navigator().clipboard();
            let _ = clipboard.write_text(&text);
            copied.set(true);
        }>
            <span aria-live="polite">{move || if copied.get() { "Copied" } else { "Copy" }}</span>
        </button>
    }
}
