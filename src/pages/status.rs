//! The portal's own health (PRODUCT.md H1), from the same check as /readyz.

use crate::components::*;
use crate::fns::system::system_status;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn StatusPage() -> impl IntoView {
    let status = Resource::new(|| (), |_| system_status());
    view! {
        <Title text="System status"/>
        <header class="page-header">
            <div>
                <h1>"System status"</h1>
                <p class="subtitle">"The portal's own health. Machines read the same from /healthz and /readyz."</p>
            </div>
        </header>
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match status.await {
                    Ok(s) => {
                        let check = |ok: bool, name: &'static str, detail: String| view! {
                            <li class="check">
                                <span class=if ok { "check-ok" } else { "check-fail" } aria-hidden="true"></span>
                                <strong>{name}</strong>
                                <span class="muted">{detail}</span>
                                <span class="spacer"></span>
                                <span class=if ok { "badge badge-active" } else { "badge badge-failed" }>{if ok { "OK" } else { "Failing" }}</span>
                            </li>
                        };
                        let migrations_ok = s.migrations_applied >= s.migrations_expected;
                        view! {
                            <section class="card">
                                <div class="card-header">
                                    <h2 class="card-title">{if s.ready { "All systems operational" } else { "Degraded" }}</h2>
                                    <span class="muted small">{format!("Tenantry {}", s.version)}</span>
                                </div>
                                <ul class="checks-list">
                                    {check(true, "Web server", "Answering requests".into())}
                                    {check(s.database == "ok", "Database", format!("PostgreSQL {}", s.database))}
                                    {check(migrations_ok, "Migrations", format!("{} of {} applied", s.migrations_applied, s.migrations_expected))}
                                </ul>
                            </section>
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorAlert error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}
