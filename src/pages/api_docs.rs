//! The REST API, listed from its OpenAPI document.

use crate::components::*;
use crate::fns::system::api_operations;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ApiDocs() -> impl IntoView {
    let ops = resource(|| (), |_| api_operations());
    view! {
        <Title text="REST API"/>
        <header class="page-header">
            <div>
                <h1>"REST API"</h1>
                <p class="subtitle">"JSON over HTTP under /api/v1. Errors answer "
                    <code>"{\"error\": {\"code\", \"message\", \"fields\"}}"</code> "."</p>
            </div>
            <div class="actions">
                <a class="btn" href="/api/v1/openapi.json" rel="external">"OpenAPI document"</a>
            </div>
        </header>
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match ops.await {
                    Ok(ops) => ops.into_iter().map(|op| view! {
                        <div class="endpoint card">
                            <div class="row">
                                <span class=format!("method {}", op.method.to_lowercase())>{op.method.clone()}</span>
                                <span class="path mono">{op.path.clone()}</span>
                                <span class="spacer"></span>
                                <span class="badge badge-neutral">{op.tag.clone()}</span>
                            </div>
                            {(!op.summary.is_empty()).then(|| view! { <p class="endpoint-desc">{op.summary.clone()}</p> })}
                            <p class="muted small">
                                {(!op.params.is_empty()).then(|| format!("Parameters: {}. ", op.params.join(", ")))}
                                {format!("Responses: {}.", op.responses.join(", "))}
                            </p>
                        </div>
                    }).collect_view().into_any(),
                    Err(e) => view! { <ErrorAlert error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}
