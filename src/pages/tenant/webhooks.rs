//! A tenant's Webhooks tab (PRODUCT.md E2): register an endpoint (URL, description,
//! topics; the signing secret is shown once), send a test event, rotate the secret,
//! enable a disabled endpoint, delete one (confirmed, `?delete=<id>`), and the delivery
//! log of the chosen endpoint (`?log=<id>`), refreshing on its own, with replays.

use crate::components::format::time;
use crate::components::*;
use crate::fns::webhooks::*;
use crate::model::webhooks::*;
use crate::model::*;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

use super::tab;

#[component]
pub fn WebhooksTab() -> impl IntoView {
    tab("webhooks", |t, _| view! { <TenantWebhooks t/> })
}

#[component]
fn TenantWebhooks(t: Tenant) -> AnyView {
    let tenant = t.id;
    let base = format!("/tenants/{}/webhooks", t.slug);
    let query = use_query_map();
    let delete_id = Memo::new(move |_| query.read().get("delete").and_then(|v| Uuid::parse_str(&v).ok()));
    let log_id = Memo::new(move |_| query.read().get("log").and_then(|v| Uuid::parse_str(&v).ok()));
    let refresh = Refresh::new();
    let endpoints = resource(move || refresh.track(), move |_| list_webhooks(tenant));
    // The secret just issued (created or rotated), until the person says they have it.
    let secret = RwSignal::new(None::<(String, String)>);
    let rotate = ServerAction::<RotateWebhookSecret>::new();
    after(rotate).refresh(refresh).toast(move |e| {
        secret.set(Some((format!("New secret for {}", e.endpoint.url), e.secret)));
        Said::Nothing
    });
    let test = ServerAction::<TestWebhook>::new();
    let log_refresh = Refresh::new();
    after(test).refresh(log_refresh).toast(|_| "Test event queued: it shows in the delivery log in a moment.".into());
    let enable = ServerAction::<EnableWebhook>::new();
    after(enable).refresh(refresh).toast(|_| "Endpoint enabled. Replay what it missed from its delivery log.".into());
    let delete = ServerAction::<DeleteWebhook>::new();
    after(delete).refresh(refresh).close_to(base.clone()).toast(|e| format!("Deleted the endpoint {}.", e.url).into());
    let acts = Acts { tenant, rotate, test, enable };
    view! {
        <div class="stack-lg">
            {move || secret.get().map(|(title, value)| view! {
                <SecretCard title label="The endpoint's signing secret" id="webhook-secret" secret=value
                    done=Callback::new(move |()| secret.set(None))>
                    <p role="status"><strong>"Copy it now: you won't see this secret again."</strong>
                        " Your receiver verifies each request's "<code>"webhook-signature"</code>
                        " with it (Standard Webhooks: HMAC-SHA256 of id.timestamp.body)."</p>
                </SecretCard>
            })}
            <section class="card table-card" aria-labelledby="endpoints-title">
                <div class="card-header"><h2 class="card-title" id="endpoints-title">"Endpoints"</h2></div>
                <Transition fallback=|| view! { <Loading text="Loading endpoints…"/> }>
                    {move || {
                        let base = base.clone();
                        Suspend::new(async move {
                            match endpoints.await {
                                Err(e) => view! { <ErrorAlert error=e/> }.into_any(),
                                Ok(list) if list.is_empty() => view! {
                                    <p class="muted pad">"No endpoints yet. Add one below to receive this tenant's events."</p>
                                }.into_any(),
                                Ok(list) => view! { <EndpointTable list base acts delete delete_id log_id/> }.into_any(),
                            }
                        })
                    }}
                </Transition>
            </section>
            <DeliveryLog tenant log_id refresh log_refresh/>
            <NewEndpointForm tenant refresh secret/>
        </div>
    }
    .into_any()
}

/// The row buttons' actions.
#[derive(Clone, Copy)]
struct Acts {
    tenant: Uuid,
    rotate: ServerAction<RotateWebhookSecret>,
    test: ServerAction<TestWebhook>,
    enable: ServerAction<EnableWebhook>,
}

#[component]
fn NewEndpointForm(tenant: Uuid, refresh: Refresh, secret: RwSignal<Option<(String, String)>>) -> AnyView {
    let create = ServerAction::<CreateWebhook>::new();
    let url = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let topics = RwSignal::new(vec!["alert.*".to_string(), "quota.exceeded".to_string()]);
    let local = RwSignal::new(None::<(&'static str, String)>);
    after(create).refresh(refresh).fields_in_form().toast(move |e| {
        secret.set(Some((format!("Endpoint {} added", e.endpoint.url), e.secret)));
        url.set(String::new());
        description.set(String::new());
        Said::Nothing
    });
    let field = move |f: &'static str| {
        Signal::derive(move || {
            local.get().filter(|(k, _)| *k == f).map(|(_, m)| m).or_else(|| match create.value().get() {
                Some(Err(e)) => e.field(f),
                _ => None,
            })
        })
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let u = url.get_untracked();
        if let Err(m) = check_url_shape(&u) {
            local.set(Some(("url", m)));
            return;
        }
        if let Err(m) = check_topics(&topics.get_untracked()) {
            local.set(Some(("topics", m)));
            return;
        }
        local.set(None);
        create.dispatch(CreateWebhook {
            tenant,
            url: u,
            description: description.get_untracked(),
            topics: topics.get_untracked(),
        });
    };
    let pending = create.pending();
    let (url_error, topics_error, description_error) = (field("url"), field("topics"), field("description"));
    let all = move || topics.with(|t| t.iter().any(|x| x == "*"));
    let toggle = move |topic: String, on: bool| {
        topics.update(|v| {
            v.retain(|x| *x != topic);
            if on {
                v.push(topic);
            }
        })
    };
    view! {
        <section class="card" aria-labelledby="new-endpoint-title">
            <div class="card-header"><h2 class="card-title" id="new-endpoint-title">"Add an endpoint"</h2></div>
            <p class="hint card-intro">"Tenantry POSTs the events you choose to this URL, signed with a secret only you and the receiver know, and retries for about a day and a half if it fails."</p>
            <form class="stack" on:submit=submit>
                <div class="field" class:invalid=move || url_error.get().is_some()>
                    <label for="webhook-url">"URL"</label>
                    <input id="webhook-url" type="url" maxlength="2048" placeholder="https://example.com/webhooks" autocomplete="off"
                        prop:value=move || url.get() on:input=move |ev| url.set(event_target_value(&ev))
                        aria-invalid=move || url_error.get().is_some().to_string()
                        aria-describedby=move || if url_error.get().is_some() { "webhook-url-hint webhook-url-error" } else { "webhook-url-hint" }/>
                    <p class="hint" id="webhook-url-hint">"A public https address. Private and local addresses are refused unless your operator allows them."</p>
                    <FieldError message=url_error id="webhook-url-error"/>
                </div>
                <div class="field" class:invalid=move || description_error.get().is_some()>
                    <label for="webhook-description">"Description " <span class="muted">"(optional)"</span></label>
                    <input id="webhook-description" type="text" maxlength="200" placeholder="billing service" autocomplete="off"
                        prop:value=move || description.get() on:input=move |ev| description.set(event_target_value(&ev))/>
                    <FieldError message=description_error id="webhook-description-error"/>
                </div>
                <fieldset class="field" aria-describedby=move || topics_error.get().map(|_| "webhook-topics-error")>
                    <legend class="label">"Events"</legend>
                    <div class="scope-all">
                        <label class="scope">
                            <input id="topic-all" type="checkbox" prop:checked=all
                                on:change=move |ev| toggle("*".into(), event_target_checked(&ev))/>
                            <span class="scope-text"><span class="scope-desc">"Every event, including ones added later"</span><code>"*"</code></span>
                        </label>
                    </div>
                    <div class="scopes" class:muted=all>
                        {TOPICS.into_iter().map(|(topic, what)| {
                            let id = format!("topic-{}", topic.replace('.', "-"));
                            view! {
                                <label class="scope">
                                    <input id=id type="checkbox" value=topic disabled=all
                                        prop:checked=move || topics.with(|v| matches(v, topic))
                                        on:change=move |ev| toggle(topic.to_string(), event_target_checked(&ev))/>
                                    <span class="scope-text"><span class="scope-desc">{what}</span><code>{topic}</code></span>
                                </label>
                            }
                        }).collect_view()}
                    </div>
                    <FieldError message=topics_error id="webhook-topics-error"/>
                </fieldset>
                <noscript><p class="alert alert-info">"Adding an endpoint needs JavaScript: its secret is shown once, on this page."</p></noscript>
                <div>
                    <button class="btn btn-primary" type="submit" disabled=move || pending.get()>
                        <Busy when=pending/>
                        "Add endpoint"
                    </button>
                </div>
            </form>
        </section>
    }
    .into_any()
}

#[component]
fn EndpointTable(
    list: Vec<Endpoint>,
    base: String,
    acts: Acts,
    delete: ServerAction<DeleteWebhook>,
    delete_id: Memo<Option<Uuid>>,
    log_id: Memo<Option<Uuid>>,
) -> AnyView {
    let tenant = acts.tenant;
    let first = list.first().map(|e| e.id);
    let dialog_list = list.clone();
    let base_d = base.clone();
    let dialog = move || {
        let id = delete_id.get()?;
        let e = dialog_list.iter().find(|e| e.id == id)?.clone();
        let base = base_d.clone();
        Some(view! {
            <ConfirmDialog title="Delete this endpoint?".to_string() cancel_href=base.clone()>
                <ActionForm action=delete>
                    <input type="hidden" name="tenant" value=tenant.to_string()/>
                    <input type="hidden" name="endpoint" value=e.id.to_string()/>
                    <div class="modal-body" id="confirm-text">
                        <p>{format!("Nothing more is sent to {}, and its delivery log goes with it. This can't be undone.", e.url)}</p>
                    </div>
                    <ConfirmButtons cancel_href=base label="Delete" danger=true pending=delete.pending()/>
                </ActionForm>
            </ConfirmDialog>
        })
    };
    let rows = list
        .into_iter()
        .map(|e| {
            let shown = move || log_id.get().or(first) == Some(e.id);
            let hidden = move || view! {
                <input type="hidden" name="tenant" value=tenant.to_string()/>
                <input type="hidden" name="endpoint" value=e.id.to_string()/>
            };
            let enabled = e.status == EndpointStatus::Enabled;
            let state = match (&e.status, &e.failing_since) {
                (EndpointStatus::Disabled, _) => view! {
                    <span class="badge badge-failed">"Disabled"</span>
                    <span class="cell-sub muted">{e.disabled_reason.clone()}</span>
                }.into_any(),
                (EndpointStatus::Enabled, Some(since)) => view! {
                    <span class="badge badge-suspended">"Failing"</span>
                    <span class="cell-sub muted">{format!("since {}", time(since))}</span>
                }.into_any(),
                (EndpointStatus::Enabled, None) => view! { <span class="badge badge-active">"Enabled"</span> }.into_any(),
            };
            let url = &e.url;
            let (log_label, test_label) = (format!("Delivery log of {url}"), format!("Send a test event to {url}"));
            let (rotate_label, delete_label) = (format!("Rotate the secret of {url}"), format!("Delete {url}"));
            view! {
                <tr class:row-selected=shown data-endpoint=e.id.to_string()>
                    <td class="col-name">
                        <div class="cell-title mono break">{e.url.clone()}</div>
                        <div class="cell-sub muted">{if e.description.is_empty() { format!("Added {}", time(&e.created_at)) } else { e.description.clone() }}</div>
                    </td>
                    <td data-label="Events"><div class="badges">{e.topics.iter().map(|t| view! { <span class="badge badge-neutral">{t.clone()}</span> }).collect_view()}</div></td>
                    <td data-label="Status">{state}</td>
                    <td class="cell-actions row-actions">
                        <a class="btn btn-sm btn-ghost" href=format!("{base}?log={}", e.id) aria-label=log_label>"Log"</a>
                        {enabled.then(|| view! {
                            <ActionForm action=acts.test>
                                {hidden()}
                                <button class="btn btn-sm" type="submit" aria-label=test_label>"Send test"</button>
                            </ActionForm>
                        })}
                        {(!enabled).then(|| view! {
                            <ActionForm action=acts.enable>
                                {hidden()}
                                <button class="btn btn-sm" type="submit">"Enable"</button>
                            </ActionForm>
                        })}
                        <ActionForm action=acts.rotate>
                            {hidden()}
                            <button class="btn btn-sm" type="submit" aria-label=rotate_label>"Rotate secret"</button>
                        </ActionForm>
                        <a class="btn btn-sm btn-ghost" href=format!("{base}?delete={}", e.id) aria-label=delete_label>"Delete"</a>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap"><table class="table table-stack">
            <thead><tr>
                <th scope="col">"URL"</th><th scope="col">"Events"</th><th scope="col">"Status"</th>
                <th scope="col"><span class="sr-only">"Actions"</span></th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table></div>
        {dialog}
    }
    .into_any()
}

/// The chosen endpoint's log (`?log=`, else the first endpoint's), refreshing on its own.
/// Its own resource at the tab's top level, not nested in the endpoints' suspense.
#[component]
fn DeliveryLog(tenant: Uuid, log_id: Memo<Option<Uuid>>, refresh: Refresh, log_refresh: Refresh) -> AnyView {
    let auto = use_auto_refresh(5);
    let replay = ServerAction::<ReplayWebhookDelivery>::new();
    after(replay).refresh(log_refresh).toast(|_| "Queued again, with the same webhook-id.".into());
    let replay_failed = ServerAction::<ReplayFailedWebhooks>::new();
    after(replay_failed).refresh(log_refresh).toast(|r| match r.replayed {
        0 => "Nothing failed in the last 24 hours.".into(),
        1 => "Queued 1 failed delivery again.".into(),
        n => format!("Queued {n} failed deliveries again.").into(),
    });
    let log = resource(
        move || (auto.track(), log_refresh.track(), refresh.track(), log_id.get()),
        move |(.., endpoint)| get_webhook_log(tenant, endpoint),
    );
    let (pending, set_pending) = signal(false);
    view! {
        <section class="card table-card" aria-labelledby="deliveries-title" data-testid="deliveries">
            <div class="card-header toolbar">
                <h2 class="card-title" id="deliveries-title">"Deliveries"</h2>
                <RefreshControl auto loading=Signal::from(pending)/>
            </div>
            <p class="hint card-intro">
                "Retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h (8 attempts), later when the receiver sends Retry-After. \
                 A replay sends the event again with the same webhook-id."
            </p>
            <Transition fallback=|| view! { <Loading text="Loading deliveries…"/> } set_pending>
                {move || Suspend::new(async move {
                    match log.await {
                        Err(e) => view! { <ErrorAlert error=e/> }.into_any(),
                        Ok(None) => view! { <p class="muted pad">"Add an endpoint to see what is sent to it here."</p> }.into_any(),
                        Ok(Some(l)) => view! { <LogTable l tenant replay replay_failed/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
    .into_any()
}

#[component]
fn LogTable(
    l: EndpointLog,
    tenant: Uuid,
    replay: ServerAction<ReplayWebhookDelivery>,
    replay_failed: ServerAction<ReplayFailedWebhooks>,
) -> AnyView {
    let enabled = l.endpoint.status == EndpointStatus::Enabled;
    let id = l.endpoint.id;
    let rows = if l.deliveries.is_empty() {
        view! { <p class="muted pad">"Nothing sent yet. Send a test event to see one here."</p> }.into_any()
    } else {
        view! {
            <div class="table-wrap"><table class="table table-stack deliveries">
                <thead><tr>
                    <th scope="col">"Event"</th><th scope="col">"Status"</th><th scope="col">"Answer"</th>
                    <th scope="col">"Attempts"</th><th scope="col"><span class="sr-only">"Actions"</span></th>
                </tr></thead>
                <tbody>
                    {l.deliveries.into_iter().map(|d| view! { <DeliveryRow d tenant enabled replay/> }).collect_view()}
                </tbody>
            </table></div>
        }
        .into_any()
    };
    view! {
        <div class="log-head">
            <span class="mono break">{l.endpoint.url.clone()}</span>
            {enabled.then(|| view! {
                <ActionForm action=replay_failed>
                    <input type="hidden" name="tenant" value=tenant.to_string()/>
                    <input type="hidden" name="endpoint" value=id.to_string()/>
                    <input type="hidden" name="hours" value="24"/>
                    <button class="btn btn-sm" type="submit">"Replay failed from the last 24 hours"</button>
                </ActionForm>
            })}
        </div>
        {rows}
    }
    .into_any()
}

#[component]
fn DeliveryRow(d: Delivery, tenant: Uuid, enabled: bool, replay: ServerAction<ReplayWebhookDelivery>) -> AnyView {
    let badge = match d.status {
        DeliveryStatus::Succeeded => "badge badge-active",
        DeliveryStatus::Pending => "badge badge-pending",
        DeliveryStatus::Failed => "badge badge-failed",
    };
    let answer = match (d.response_status, &d.error) {
        (Some(code), _) => format!("HTTP {code} · {} ms", d.response_ms.unwrap_or(0)),
        (None, Some(e)) => e.clone(),
        (None, None) => "—".into(),
    };
    let detail = d
        .response_excerpt
        .clone()
        .filter(|x| !x.is_empty())
        .or_else(|| d.error.clone().filter(|_| d.response_status.is_some()));
    let next = d.next_attempt_at.map(|t| format!("next {}", time(&t)));
    view! {
        <tr data-delivery=d.id.to_string()>
            <td class="col-name">
                <div class="cell-title"><code>{d.topic.clone()}</code>{d.replay_of.map(|_| view! { <span class="badge badge-neutral">"replay"</span> })}</div>
                <div class="cell-sub muted mono">{format!("{} · {}", time(&d.created_at), d.msg_id)}</div>
            </td>
            <td data-label="Status"><span class=badge>{d.status.label()}</span></td>
            <td data-label="Answer">
                <div>{answer}</div>
                {detail.map(|x| view! { <div class="cell-sub muted mono excerpt" title=x.clone()>{x.chars().take(120).collect::<String>()}</div> })}
            </td>
            <td data-label="Attempts" class="nowrap">{d.attempts}<span class="cell-sub muted">{next}</span></td>
            <td class="cell-actions">
                {(enabled && d.status != DeliveryStatus::Pending).then(|| view! {
                    <ActionForm action=replay>
                        <input type="hidden" name="tenant" value=tenant.to_string()/>
                        <input type="hidden" name="endpoint" value=d.endpoint_id.to_string()/>
                        <input type="hidden" name="delivery" value=d.id.to_string()/>
                        <button class="btn btn-sm" type="submit" aria-label=format!("Replay {}", d.topic)>"Replay"</button>
                    </ActionForm>
                })}
            </td>
        </tr>
    }
    .into_any()
}
