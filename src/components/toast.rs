//! Toasts: short results of an action, announced to screen readers, gone after a while.

use leptos::prelude::*;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ToastKind {
    Success,
    Error,
    Info,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Toast {
    pub id: u64,
    pub kind: ToastKind,
    pub text: String,
}

#[derive(Clone, Copy)]
pub struct Toasts {
    list: RwSignal<Vec<Toast>>,
    next: StoredValue<u64>,
}

impl Toasts {
    pub fn provide() -> Self {
        let t = Toasts { list: RwSignal::new(Vec::new()), next: StoredValue::new(1) };
        provide_context(t);
        t
    }

    pub fn push(&self, kind: ToastKind, text: impl Into<String>) {
        let id = self.next.get_value();
        self.next.set_value(id + 1);
        self.list.update(|l| l.push(Toast { id, kind, text: text.into() }));
        let list = self.list;
        set_timeout(move || list.update(|l| l.retain(|t| t.id != id)), std::time::Duration::from_secs(6));
    }

    pub fn success(&self, text: impl Into<String>) {
        self.push(ToastKind::Success, text)
    }

    pub fn error(&self, text: impl Into<String>) {
        self.push(ToastKind::Error, text)
    }

    fn dismiss(&self, id: u64) {
        self.list.update(|l| l.retain(|t| t.id != id));
    }
}

pub fn use_toasts() -> Toasts {
    use_context::<Toasts>().unwrap_or_else(Toasts::provide)
}

/// The live region the toasts appear in. It is there from the first render (screen readers
/// only announce changes to a region they already know), but the list inside it is a lazy
/// function (`#[lazy]`, its own chunk with `--split`), loaded with the first toast: nothing
/// shows one before someone acts, so the first page doesn't carry the code.
#[component]
pub fn ToastRegion() -> impl IntoView {
    let toasts = use_toasts();
    let started = Memo::new(move |was: Option<&bool>| was == Some(&true) || toasts.list.with(|l| !l.is_empty()));
    view! {
        <div class="toasts" role="status" aria-live="polite">
            {move || started.get().then(|| Suspend::new(toast_list(toasts)))}
        </div>
    }
}

#[lazy]
fn toast_list(toasts: Toasts) -> AnyView {
    view! {
        <For each=move || toasts.list.get() key=|t| t.id let:t>
            {
                let class = match t.kind {
                    ToastKind::Success => "toast toast-success",
                    ToastKind::Error => "toast toast-error",
                    ToastKind::Info => "toast toast-info",
                };
                let id = t.id;
                view! {
                    <div class=class>
                        <span>{t.text.clone()}</span>
                        <button class="toast-close" type="button" aria-label="Dismiss" on:click=move |_| toasts.dismiss(id)>
                            "×"
                        </button>
                    </div>
                }
            }
        </For>
    }
    .into_any()
}
