//! Inline SVG icons (stroke style, 18px), decorative unless labelled.

use leptos::prelude::*;

#[component]
pub fn Icon(#[prop(into)] name: String) -> impl IntoView {
    let d = match name.as_str() {
        "dashboard" => "M3 13h8V3H3zM13 21h8V11h-8zM3 21h8v-6H3zM13 3v6h8V3z",
        "tenants" => "M3 21V7l9-4 9 4v14M9 21v-6h6v6M7 10h2M15 10h2",
        "audit" => "M9 5H7a2 2 0 0 0-2 2v12a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V7a2 2 0 0 0-2-2h-2M9 5a2 2 0 0 0 2 2h2a2 2 0 0 0 2-2M9 5a2 2 0 0 1 2-2h2a2 2 0 0 1 2 2M9 12h6M9 16h4",
        "api" => "M8 9l-4 3 4 3M16 9l4 3-4 3M14 5l-4 14",
        "status" => "M3 12h4l3-8 4 16 3-8h4",
        "plus" => "M12 5v14M5 12h14",
        "workflows" => "M6 3v12M18 9a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM6 21a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM18 9a9 9 0 0 1-9 9",
        "plans" => "M4 4h16v4H4zM4 10h16v4H4zM4 16h16v4H4z",
        "usage" => "M3 3v18h18M7 15l4-4 3 3 6-6",
        "health" => "M19 14c1.5-1.5 3-3.2 3-5.5A5.5 5.5 0 0 0 16.5 3c-1.8 0-3 .5-4.5 2-1.5-1.5-2.7-2-4.5-2A5.5 5.5 0 0 0 2 8.5c0 2.3 1.5 4 3 5.5l7 7zM3.2 12h6.3l.5-1 2 4.5 2-7 1.5 3.5h5.3",
        "limits" => "M12 14l4-4M3.3 19a10 10 0 1 1 17.4 0z",
        "users" => "M16 21v-2a4 4 0 0 0-4-4H6a4 4 0 0 0-4 4v2M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM22 21v-2a4 4 0 0 0-3-3.87M16 3.13a4 4 0 0 1 0 7.75",
        "key" => "M21 2l-2 2m-7.6 7.6a5.5 5.5 0 1 1-7.8 7.8 5.5 5.5 0 0 1 7.8-7.8zm0 0L15.5 7.5m0 0l3 3L22 7l-3-3m-3.5 3.5L19 4",
        "bell" => "M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9M10.3 21a1.94 1.94 0 0 0 3.4 0",
        _ => "M12 12h.01",
    };
    view! {
        <svg class="icon" viewBox="0 0 24 24" width="18" height="18" fill="none" stroke="currentColor"
            stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">
            <path d=d></path>
        </svg>
    }
}
