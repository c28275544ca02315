use domain::dto::accounts::MeView;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::accounts::{me, sign_in};
use crate::components::forms::{FormAlert, TextField, error_message};
use crate::components::me::use_me;
use crate::session::safe_next;

/// The sign-in form. Checks its input in the browser first, then signs in through the
/// `sign_in` server function, which sets the session cookies. Goes on to `?next=` when given,
/// else to the person's only workspace, else to the list of their workspaces.
#[component]
pub fn SignIn() -> impl IntoView {
    let query = use_query_map();
    let next = move || safe_next(query.read().get("next"));
    let session = use_me();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let submitted = RwSignal::new(false);
    let email_error = Signal::derive(move || {
        let value = email.get();
        (submitted.get() && !looks_like_email(&value))
            .then(|| "Enter an email address, like name@example.com.".to_owned())
    });
    let password_error = Signal::derive(move || {
        (submitted.get() && password.get().is_empty()).then(|| "Enter your password.".to_owned())
    });

    let action = Action::new(|(email, password): &(String, String)| {
        let (email, password) = (email.clone(), password.clone());
        async move {
            sign_in(email, password).await?;
            me().await
        }
    });
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(who)) = action.value().get() {
            session.refetch();
            let to = next().unwrap_or_else(|| landing(who.as_ref()));
            navigate(&to, Default::default());
        }
    });
    let alert = Signal::derive(move || error_message(action.value().get()));
    let sign_up_href = move || match next() {
        Some(n) => match n.strip_prefix("/invitations/") {
            Some(token) => format!("/sign-up?invitation={token}"),
            None => "/sign-up".to_owned(),
        },
        None => "/sign-up".to_owned(),
    };

    view! {
        <Title text="Sign in" />
        <div class="narrow">
            <h1>"Sign in"</h1>
            <form
                method="post"
                action="/rpc/sign_in"
                novalidate
                data-testid="sign-in-form"
                on:submit=move |ev| {
                    ev.prevent_default();
                    submitted.set(true);
                    if email_error.get_untracked().is_none() && password_error.get_untracked().is_none() {
                        action.dispatch((email.get_untracked(), password.get_untracked()));
                    }
                }
            >
                <TextField
                    id="email"
                    label="Email"
                    kind="email"
                    autocomplete="username"
                    value=email
                    error=email_error
                    error_testid="email-error"
                />
                <TextField
                    id="password"
                    label="Password"
                    kind="password"
                    autocomplete="current-password"
                    value=password
                    error=password_error
                />
                <FormAlert message=alert testid="sign-in-error" />
                <button type="submit" class="button" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
            <p>"New to Mixpilot? " <A href=sign_up_href>"Create an account"</A></p>
        </div>
    }
}

/// Where a person lands after signing in without a `?next=`.
fn landing(me: Option<&MeView>) -> String {
    match me.map(|m| m.workspaces.as_slice()) {
        Some([only]) => format!("/w/{}", only.id),
        _ => "/workspaces".to_owned(),
    }
}

/// A light check that catches typos; the server has the final word.
fn looks_like_email(s: &str) -> bool {
    domain::dto::accounts::parse_email(s).is_ok()
}

#[cfg(test)]
mod tests {
    use super::looks_like_email;
    use crate::session::safe_next;

    #[test]
    fn next_leads_only_to_paths_of_this_site() {
        let next = |s: &str| safe_next(Some(s.to_owned()));
        for ok in ["/", "/w/abc", "/invitations/abc?x=1#y", "/w/a%2Fb", "/a//b"] {
            assert_eq!(next(ok).as_deref(), Some(ok), "{ok:?}");
        }
        for bad in [
            "//evil.example",
            "/\t/evil.example",
            "/\t\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "\t//evil.example",
            " //evil.example",
            "/\\evil.example",
            "\\/evil.example",
            "/%2F/evil.example",
            "/%2f/evil.example",
            "/%5Cevil.example",
            "/%5cevil.example",
            "/%09/evil.example",
            "/%0A/evil.example",
            "https://evil.example",
            "javascript:alert(1)",
            "evil.example",
            "",
            "/\u{0}/evil.example",
            "/\u{7f}/evil.example",
        ] {
            assert_eq!(next(bad), None, "{bad:?}");
        }
        assert_eq!(safe_next(None), None);
    }

    #[test]
    fn email_check_accepts_addresses_and_rejects_typos() {
        assert!(looks_like_email("ana@example.com"));
        assert!(looks_like_email("  ana@sub.example.co "));
        assert!(!looks_like_email("ana.example.com"));
        assert!(!looks_like_email("@example.com"));
        assert!(!looks_like_email("ana@example"));
        assert!(!looks_like_email("ana@example."));
    }
}
