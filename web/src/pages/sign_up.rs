use domain::dto::accounts::{MIN_PASSWORD_CHARS, SignUpRequest, parse_email, password_problem};
use domain::dto::workspaces::{
    InvitationPreview, WorkspaceKind, WorkspaceView, parse_workspace_name,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::ApiError;
use crate::api::accounts::{preview_invitation, sign_up};
use crate::components::forms::{
    ErrorNotice, FormAlert, TextField, error_message, server_error_for,
};
use crate::components::me::use_me;
use crate::components::time::utc_time;

type SignUpAction = Action<SignUpRequest, Result<Option<WorkspaceView>, ApiError>>;

/// Creating an account: with a first workspace (a brand or an agency), or, through an
/// invitation link (`?invitation=<token>`), joining the inviting workspace.
#[component]
pub fn SignUp() -> impl IntoView {
    let query = use_query_map();
    let token = Memo::new(move |_| query.read().get("invitation").filter(|t| !t.is_empty()));
    let preview = Resource::new(
        move || token.get(),
        |token| async move {
            match token {
                Some(token) => preview_invitation(token.clone())
                    .await
                    .map(|p| Some((token, p))),
                None => Ok(None),
            }
        },
    );
    let me = use_me();
    let action: SignUpAction = Action::new(|req: &SignUpRequest| {
        let req = req.clone();
        async move {
            sign_up(
                req.email,
                req.name,
                req.password,
                req.workspace_name,
                req.workspace_kind,
                req.invitation,
            )
            .await
        }
    });
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(workspace)) = action.value().get() {
            me.refetch();
            let to = workspace.map_or_else(|| "/workspaces".to_owned(), |w| format!("/w/{}", w.id));
            navigate(&to, Default::default());
        }
    });

    view! {
        <Title text="Create your account" />
        <div class="narrow">
            <h1>"Create your account"</h1>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match preview.await {
                        Ok(invitation) => view! { <SignUpForm invitation action /> }.into_any(),
                        Err(error) => view! {
                            <ErrorNotice error />
                            <p><A href="/sign-up">"Create an account without an invitation"</A></p>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

#[component]
fn SignUpForm(
    /// The invitation's token and what it offers.
    invitation: Option<(String, InvitationPreview)>,
    action: SignUpAction,
) -> impl IntoView {
    let invited = invitation.is_some();
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(
        invitation
            .as_ref()
            .map(|(_, p)| p.email.clone())
            .unwrap_or_default(),
    );
    let password = RwSignal::new(String::new());
    let workspace_name = RwSignal::new(String::new());
    let kind = RwSignal::new(WorkspaceKind::Brand);
    let submitted = RwSignal::new(false);

    // What the browser can tell before sending, per field; the server's word otherwise.
    let name_check = move || name_problem(&name.get());
    let email_check = move || email_problem(&email.get());
    let password_check = move || password_message(&password.get());
    let workspace_check = move || {
        if invited {
            None
        } else {
            workspace_problem(&workspace_name.get())
        }
    };
    let shown = move |problem: Option<String>, field: &'static str| {
        problem
            .filter(|_| submitted.get())
            .or_else(|| server_error_for(action.value().get(), field))
    };
    let name_error = Signal::derive(move || shown(name_check(), "name"));
    let email_error = Signal::derive(move || shown(email_check(), "email"));
    let password_error = Signal::derive(move || shown(password_check(), "password"));
    let workspace_error = Signal::derive(move || shown(workspace_check(), "workspace_name"));
    let alert = Signal::derive(move || error_message(action.value().get()));

    let token = invitation.as_ref().map(|(t, _)| t.clone());
    let sign_in_href = token.as_ref().map_or_else(
        || "/sign-in".to_owned(),
        |t| format!("/sign-in?next=/invitations/{t}"),
    );
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submitted.set(true);
        let invalid = untrack(|| {
            name_check().is_some()
                || email_check().is_some()
                || password_check().is_some()
                || workspace_check().is_some()
        });
        if invalid {
            return;
        }
        action.dispatch(SignUpRequest {
            email: email.get_untracked(),
            name: name.get_untracked(),
            password: password.get_untracked(),
            workspace_name: (!invited).then(|| workspace_name.get_untracked()),
            workspace_kind: (!invited).then(|| kind.get_untracked()),
            invitation: token.clone(),
        });
    };

    let preview = invitation.map(|(_, p)| {
        view! {
            <div class="notice" data-testid="invitation-preview">
                <p>
                    "You are invited to join " <strong data-testid="invitation-workspace">{p.workspace}</strong>
                    " as " <strong data-testid="invitation-role">{p.role.label()}</strong> "."
                </p>
                <p class="muted">{p.role.describe()}"."</p>
                <p class="muted">"The invitation expires " {utc_time!(p.expires_at)} "."</p>
            </div>
        }
    });
    let workspace_fields = (!invited).then(|| {
        view! {
            <TextField
                id="workspace_name"
                label="Workspace name"
                hint="Your brand, company or agency. You can rename it later.".to_owned()
                autocomplete="organization"
                value=workspace_name
                error=workspace_error
            />
            <fieldset class="field choices">
                <legend>"Kind of workspace"</legend>
                <KindChoice kind value=WorkspaceKind::Brand label="Brand" hint="You run your own marketing." />
                <KindChoice
                    kind
                    value=WorkspaceKind::Agency
                    label="Agency"
                    hint="You run marketing for clients, each in a client workspace of its own."
                />
            </fieldset>
        }
    });

    view! {
        {preview}
        <form method="post" action="/rpc/sign_up" novalidate data-testid="sign-up-form" on:submit=submit>
            <TextField id="name" label="Your name" autocomplete="name" value=name error=name_error />
            <TextField
                id="email"
                label="Email"
                kind="email"
                autocomplete="email"
                hint=invited.then(|| "The invitation is for this address.".to_owned())
                readonly=invited
                value=email
                error=email_error
            />
            <TextField
                id="password"
                label="Password"
                kind="password"
                autocomplete="new-password"
                hint=format!("At least {MIN_PASSWORD_CHARS} characters.")
                value=password
                error=password_error
            />
            {workspace_fields}
            <FormAlert message=alert testid="sign-up-error" />
            <button type="submit" class="button" disabled=move || action.pending().get()>
                {move || if action.pending().get() { "Creating your account…" } else { "Create account" }}
            </button>
        </form>
        <p>"Already have an account? " <A href=sign_in_href>"Sign in"</A></p>
    }
}

/// One radio button of the workspace kind.
#[component]
fn KindChoice(
    kind: RwSignal<WorkspaceKind>,
    value: WorkspaceKind,
    label: &'static str,
    hint: &'static str,
) -> impl IntoView {
    let id = format!("workspace_kind-{}", value.as_str());
    let hint_id = format!("{id}-hint");
    view! {
        <div class="choice">
            <input
                type="radio"
                id=id.clone()
                name="workspace_kind"
                value=value.as_str()
                checked=move || kind.get() == value
                aria-describedby=hint_id.clone()
                on:change=move |_| kind.set(value)
            />
            <label for=id>{label}</label>
            <p id=hint_id class="hint">{hint}</p>
        </div>
    }
}

fn name_problem(name: &str) -> Option<String> {
    name.trim()
        .is_empty()
        .then(|| "Enter your name.".to_owned())
}

fn email_problem(email: &str) -> Option<String> {
    parse_email(email)
        .err()
        .map(|_| "Enter an email address, like name@example.com.".to_owned())
}

fn password_message(password: &str) -> Option<String> {
    password_problem(password).map(|p| format!("The password {p}."))
}

fn workspace_problem(name: &str) -> Option<String> {
    parse_workspace_name(name).err().map(|p| {
        if name.trim().is_empty() {
            "Name your workspace.".to_owned()
        } else {
            format!("The workspace name {p}.")
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_says_what_is_missing_in_words() {
        assert_eq!(name_problem("  ").as_deref(), Some("Enter your name."));
        assert_eq!(name_problem("Ana"), None);
        assert!(email_problem("ana.example.com").is_some());
        assert_eq!(email_problem("ana@example.com"), None);
        assert_eq!(
            password_message("short").as_deref(),
            Some("The password must be at least 10 characters (got 5).")
        );
        assert_eq!(
            workspace_problem("").as_deref(),
            Some("Name your workspace.")
        );
        assert!(workspace_problem(&"x".repeat(81)).is_some());
        assert_eq!(workspace_problem("Acme"), None);
    }
}
