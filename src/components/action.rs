//! One way to finish an action, on every page: say what happened in a toast, reload what
//! it changed and close the dialog it was confirmed in.
//!
//! ```ignore
//! after(remove).refresh(members).close_to(back).toast(|()| "Removed.".into());
//! ```

use crate::components::{use_toasts, Refresh};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use std::sync::Arc;

/// What a successful action says.
pub enum Said {
    /// A success toast.
    Done(String),
    /// An error toast: the action was done, but not all of it worked (an email that was not
    /// delivered, say). What it changed is reloaded all the same.
    Problem(String),
    /// No toast: the page shows the result itself.
    Nothing,
}

impl From<String> for Said {
    fn from(s: String) -> Self {
        Said::Done(s)
    }
}

impl From<&str> for Said {
    fn from(s: &str) -> Self {
        Said::Done(s.to_string())
    }
}

type CloseTo<T> = Arc<dyn Fn(&T) -> String + Send + Sync>;

/// What happens after each result of an action; built with `after(action)`, installed by
/// `toast`.
#[must_use = "nothing happens until `.toast(…)`"]
pub struct After<I: 'static, T: 'static> {
    action: Action<I, Result<T, AppError>>,
    refresh: Vec<Refresh>,
    close: Option<CloseTo<T>>,
    fields_in_form: bool,
}

/// Starts describing what happens after each result of `action` (a `ServerAction` or any
/// `Action` answering `Result<_, AppError>`).
pub fn after<I, T>(action: impl Into<Action<I, Result<T, AppError>>>) -> After<I, T>
where
    I: Send + Sync + 'static,
    T: Clone + Send + Sync + 'static,
{
    After { action: action.into(), refresh: Vec::new(), close: None, fields_in_form: false }
}

impl<I, T> After<I, T>
where
    I: Send + Sync + 'static,
    T: Clone + Send + Sync + 'static,
{
    /// Bump `r` after a success, so the resources that track it load again.
    pub fn refresh(mut self, r: Refresh) -> Self {
        self.refresh.push(r);
        self
    }

    /// After a success, go to the address made from the value (the page without the
    /// dialog's query parameter).
    pub fn close(mut self, to: impl Fn(&T) -> String + Send + Sync + 'static) -> Self {
        self.close = Some(Arc::new(to));
        self
    }

    /// After a success, go to `href` (the page without the dialog's query parameter).
    pub fn close_to(self, href: impl Into<String>) -> Self {
        let href = href.into();
        self.close(move |_| href.clone())
    }

    /// Errors about a field are shown under it by the form: only the others become toasts.
    pub fn fields_in_form(mut self) -> Self {
        self.fields_in_form = true;
        self
    }

    /// Installs it: after a success, `say(value)` becomes the toast (and may do what else
    /// the page needs with the value), then `refresh` and `close` apply; an error becomes
    /// an error toast.
    pub fn toast(self, say: impl Fn(T) -> Said + Send + Sync + 'static) {
        let After { action, refresh, close, fields_in_form } = self;
        let toasts = use_toasts();
        let navigate = use_navigate();
        Effect::new(move |_| match action.value().get() {
            Some(Ok(value)) => {
                let to = close.as_ref().map(|f| f(&value));
                match say(value) {
                    Said::Done(text) => toasts.success(text),
                    Said::Problem(text) => toasts.error(text),
                    Said::Nothing => {}
                }
                refresh.iter().for_each(Refresh::bump);
                if let Some(to) = to {
                    navigate(&to, Default::default());
                }
            }
            Some(Err(e)) if !fields_in_form || e.fields().is_empty() => toasts.error(e.to_string()),
            _ => {}
        });
    }
}
