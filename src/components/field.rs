//! A labelled text input with its hint and error, the same in every form.

use crate::components::FieldError;
use leptos::prelude::*;

/// A labelled text input bound to a signal, with its hint and error.
#[component]
pub fn TextField(
    label: &'static str,
    id: &'static str,
    value: RwSignal<String>,
    error: Signal<Option<String>>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] required: bool,
    #[prop(optional, into)] on_input: Option<Callback<String>>,
    /// The keyboard a phone shows ("numeric" for whole numbers, "url").
    #[prop(optional)]
    inputmode: Option<&'static str>,
    #[prop(optional)] placeholder: Option<&'static str>,
) -> impl IntoView {
    let err_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    // Point only at the hint and error that exist right now.
    let (hint_ref, err_ref) = (hint.map(|_| hint_id.clone()), err_id.clone());
    let described = move || {
        let ids: Vec<String> = hint_ref.iter().cloned().chain(error.get().map(|_| err_ref.clone())).collect();
        (!ids.is_empty()).then(|| ids.join(" "))
    };
    view! {
        <div class="field" class:invalid=move || error.get().is_some()>
            <label for=id>{label}{required.then_some(" *")}</label>
            <input id=id name=id type="text" inputmode=inputmode placeholder=placeholder value=value.get_untracked() prop:value=move || value.get() aria-describedby=described
                aria-invalid=move || error.get().is_some().to_string()
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    value.set(v.clone());
                    if let Some(cb) = on_input { cb.run(v); }
                }/>
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
            <FieldError message=error id=err_id/>
        </div>
    }
}
