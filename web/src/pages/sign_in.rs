use leptos::prelude::*;
use leptos_meta::Title;

/// The sign-in form. Accounts and sessions arrive with the accounts work; until then the form
/// checks its input in the browser and says so when sign-in is not available.
#[component]
pub fn SignIn() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let submitted = RwSignal::new(false);
    let email_error = move || {
        let value = email.get();
        (submitted.get() && !looks_like_email(&value))
            .then_some("Enter an email address, like name@example.com.")
    };
    let password_error =
        move || (submitted.get() && password.get().is_empty()).then_some("Enter your password.");

    view! {
        <Title text="Sign in" />
        <div class="narrow">
            <h1>"Sign in"</h1>
            <form
                method="post"
                action="/api/v1/sessions"
                novalidate
                on:submit=move |ev| {
                    submitted.set(true);
                    if email_error().is_some() || password_error().is_some() {
                        ev.prevent_default();
                    }
                }
            >
                <div class="field">
                    <label for="email">"Email"</label>
                    <input
                        id="email"
                        name="email"
                        type="email"
                        autocomplete="username"
                        required
                        aria-invalid=move || email_error().is_some().to_string()
                        aria-describedby="email-error"
                        bind:value=email
                    />
                    <p id="email-error" class="field-error" data-testid="email-error">{email_error}</p>
                </div>
                <div class="field">
                    <label for="password">"Password"</label>
                    <input
                        id="password"
                        name="password"
                        type="password"
                        autocomplete="current-password"
                        required
                        aria-invalid=move || password_error().is_some().to_string()
                        aria-describedby="password-error"
                        bind:value=password
                    />
                    <p id="password-error" class="field-error">{password_error}</p>
                </div>
                <button type="submit" class="button">"Sign in"</button>
            </form>
        </div>
    }
}

/// A light check that catches typos; the server has the final word.
fn looks_like_email(s: &str) -> bool {
    let s = s.trim();
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::looks_like_email;

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
