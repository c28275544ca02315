//! Form pieces shared by every page: labelled fields with their error messages, the error region
//! and the mapping of the server's validation messages to fields.

use leptos::prelude::*;

use crate::api::ApiError;

/// The server's message about `field`, when its validation message names it
/// (`"email: must be an email address"` gives `"Must be an email address"` for `email`).
pub fn field_message(error: &ApiError, field: &str) -> Option<String> {
    error
        .message
        .strip_prefix(field)
        .and_then(|rest| rest.strip_prefix(": "))
        .map(sentence)
}

/// The server's error about `field` in an action's last answer.
pub fn server_error_for<T>(result: Option<Result<T, ApiError>>, field: &str) -> Option<String> {
    match result {
        Some(Err(e)) => field_message(&e, field),
        _ => None,
    }
}

/// A message as a sentence: capitalized first letter.
pub fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A labelled input with its hint and its error message, tied together with `aria-describedby`.
/// The input is marked `aria-invalid` while there is an error.
#[component]
pub fn TextField(
    /// The input's id; the error message is `<id>-error`.
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
    /// The input's type.
    #[prop(default = "text")]
    kind: &'static str,
    /// The form field's name; the id when absent.
    #[prop(optional)]
    name: Option<&'static str>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    /// A line of help shown under the label.
    #[prop(optional_no_strip, into)]
    hint: Option<String>,
    #[prop(optional, into)] readonly: Signal<bool>,
    /// The `data-testid` of the error message.
    #[prop(optional)]
    error_testid: Option<&'static str>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described_by = if hint.is_some() {
        format!("{hint_id} {error_id}")
    } else {
        error_id.clone()
    };
    view! {
        <div class="field">
            <label for=id>{label}</label>
            {hint.map(|h| view! { <p id=hint_id class="hint">{h}</p> })}
            <input
                id=id
                name=name.unwrap_or(id)
                type=kind
                autocomplete=autocomplete
                readonly=move || readonly.get()
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=described_by
                bind:value=value
            />
            <p id=error_id class="field-error" data-testid=error_testid>{move || error.get()}</p>
        </div>
    }
}

/// The form's error region: what went wrong with the last attempt, announced when it changes.
#[component]
pub fn FormAlert(
    #[prop(into)] message: Signal<Option<String>>,
    #[prop(optional)] testid: Option<&'static str>,
) -> impl IntoView {
    view! {
        <div class="form-alert" role="alert" data-testid=testid>
            {move || message.get().map(|m| view! { <p class="error">{m}</p> })}
        </div>
    }
}

/// The message of an action's failed last answer, as a sentence, with the field it names
/// written for people (`"current_password: is not correct"` gives
/// `"Current password: is not correct"`).
pub fn error_message<T>(result: Option<Result<T, ApiError>>) -> Option<String> {
    match result {
        Some(Err(e)) => Some(humanize(&e.message)),
        _ => None,
    }
}

/// A server message for people: its leading field name in words, and a capital first letter.
pub fn humanize(message: &str) -> String {
    match message.split_once(": ") {
        Some((field, rest))
            if !field.is_empty() && field.chars().all(|c| c.is_ascii_lowercase() || c == '_') =>
        {
            format!("{}: {rest}", sentence(&field.replace('_', " ")))
        }
        _ => sentence(message),
    }
}

/// A page-level error: the data could not be loaded. Offers to sign in when that is the cause.
#[component]
pub fn ErrorNotice(error: ApiError) -> impl IntoView {
    let sign_in = (error.code == domain::ErrorCode::Unauthenticated).then(|| {
        let here = leptos_router::hooks::use_location()
            .pathname
            .get_untracked();
        let href = format!("/sign-in?next={here}");
        view! { <p><a class="button" href=href>"Sign in"</a></p> }
    });
    view! {
        <div class="notice error-notice" role="alert" data-testid="page-error">
            <p>{sentence(&error.message)}</p>
            {sign_in}
        </div>
    }
}

/// A `<select>` of roles. `roles` are the choices; `value` holds the chosen role's name.
#[component]
pub fn RoleSelect(
    id: String,
    value: RwSignal<String>,
    roles: Vec<domain::authz::Role>,
    /// Shown as the label when present; otherwise `aria_label` names the select.
    #[prop(optional, into)]
    label: Option<String>,
    #[prop(optional, into)] aria_label: Option<String>,
    #[prop(optional, into)] disabled: Signal<bool>,
    #[prop(optional)] testid: Option<&'static str>,
    /// Whether to show what the chosen role may do under the select.
    #[prop(optional)]
    describe: bool,
) -> impl IntoView {
    let describe_id = format!("{id}-description");
    let description = move || {
        domain::authz::Role::parse(&value.get())
            .map(|r| format!("{}: {}.", r.label(), r.describe()))
    };
    view! {
        {label.map(|l| view! { <label for=id.clone()>{l}</label> })}
        <select
            id=id.clone()
            name="role"
            aria-label=aria_label
            aria-describedby=describe.then(|| describe_id.clone())
            disabled=move || disabled.get()
            data-testid=testid
            on:change=move |ev| value.set(event_target_value(&ev))
            prop:value=move || value.get()
        >
            {roles
                .into_iter()
                .map(|r| {
                    view! {
                        <option value=r.as_str() selected=move || value.get() == r.as_str()>
                            {r.label()}
                        </option>
                    }
                })
                .collect_view()}
        </select>
        {describe.then(|| view! { <p id=describe_id class="hint">{description}</p> })}
    }
}

#[cfg(test)]
mod tests {
    use domain::ErrorCode;

    use super::*;

    fn err(message: &str) -> ApiError {
        ApiError {
            code: ErrorCode::Validation,
            message: message.to_owned(),
        }
    }

    #[test]
    fn server_messages_are_tied_to_the_field_they_name() {
        let e = err("email: must be an email address, like name@example.com");
        assert_eq!(
            field_message(&e, "email").as_deref(),
            Some("Must be an email address, like name@example.com")
        );
        assert_eq!(field_message(&e, "name"), None);
        let e = err("workspace_name: must not be empty");
        assert_eq!(field_message(&e, "name"), None);
        assert!(field_message(&e, "workspace_name").is_some());
    }

    #[test]
    fn field_names_in_messages_are_written_for_people() {
        assert_eq!(
            humanize("current_password: is not correct"),
            "Current password: is not correct"
        );
        assert_eq!(
            humanize("the email address or password is not correct"),
            "The email address or password is not correct"
        );
        assert_eq!(humanize("Retry: later"), "Retry: later");
    }
}
