use domain::dto::accounts::{MIN_PASSWORD_CHARS, password_problem};
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::accounts::change_password;
use crate::components::forms::{
    ErrorNotice, FormAlert, TextField, error_message, server_error_for,
};
use crate::components::me::use_me;

/// The person's account: who they are, and changing their password.
#[component]
pub fn Account() -> impl IntoView {
    let me = use_me();
    view! {
        <Title text="Your account" />
        <h1>"Your account"</h1>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match me.resource.await {
                    Ok(Some(me)) => view! {
                        <dl class="facts">
                            <dt>"Name"</dt><dd>{me.user.name}</dd>
                            <dt>"Email"</dt><dd data-testid="account-email">{me.user.email}</dd>
                        </dl>
                        <PasswordForm />
                    }.into_any(),
                    Ok(None) => view! {
                        <p>"Sign in to manage your account."</p>
                        <p><a class="button" href="/sign-in?next=/account">"Sign in"</a></p>
                    }.into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn PasswordForm() -> impl IntoView {
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let submitted = RwSignal::new(false);
    let action = Action::new(|(current, new): &(String, String)| {
        change_password(current.clone(), new.clone())
    });
    let current_check = move || {
        current
            .get()
            .is_empty()
            .then(|| "Enter your current password.".to_owned())
    };
    let new_check = move || password_problem(&new.get()).map(|p| format!("The new password {p}."));
    let current_error = Signal::derive(move || {
        current_check()
            .filter(|_| submitted.get())
            .or_else(|| server_error_for(action.value().get(), "current_password"))
    });
    let new_error = Signal::derive(move || {
        new_check()
            .filter(|_| submitted.get())
            .or_else(|| server_error_for(action.value().get(), "new_password"))
    });
    let alert = Signal::derive(move || error_message(action.value().get()));
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            current.set(String::new());
            new.set(String::new());
            submitted.set(false);
        }
    });
    view! {
        <section aria-labelledby="password-heading" class="narrow">
            <h2 id="password-heading">"Change your password"</h2>
            <form
                method="post"
                action="/rpc/change_password"
                novalidate
                data-testid="password-form"
                on:submit=move |ev| {
                    ev.prevent_default();
                    submitted.set(true);
                    if untrack(current_check).is_none() && untrack(new_check).is_none() {
                        action.dispatch((current.get_untracked(), new.get_untracked()));
                    }
                }
            >
                <TextField
                    id="current_password"
                    label="Current password"
                    kind="password"
                    autocomplete="current-password"
                    value=current
                    error=current_error
                />
                <TextField
                    id="new_password"
                    label="New password"
                    kind="password"
                    autocomplete="new-password"
                    hint=format!("At least {MIN_PASSWORD_CHARS} characters.")
                    value=new
                    error=new_error
                />
                <FormAlert message=alert testid="password-error" />
                <button type="submit" class="button" disabled=move || action.pending().get()>
                    "Change password"
                </button>
            </form>
            <div role="status" data-testid="password-status">
                {move || matches!(action.value().get(), Some(Ok(()))).then(|| view! {
                    <p>"Your password was changed. Your other sessions were signed out."</p>
                })}
            </div>
        </section>
    }
}
