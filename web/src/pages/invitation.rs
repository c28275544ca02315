use domain::dto::accounts::MeView;
use domain::dto::workspaces::{InvitationPreview, WorkspaceView};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::api::ApiError;
use crate::api::accounts::{accept_invitation, preview_invitation};
use crate::components::forms::{ErrorNotice, FormAlert, error_message};
use crate::components::me::use_me;
use crate::components::time::utc_time;

type AcceptAction = Action<String, Result<WorkspaceView, ApiError>>;

/// Where an invitation link leads: what it offers, then accepting it (signed in), or creating an
/// account or signing in first.
#[component]
pub fn Invitation() -> impl IntoView {
    let params = use_params_map();
    let token = Memo::new(move |_| params.read().get("token").unwrap_or_default());
    let preview = Resource::new(move || token.get(), preview_invitation);
    let me = use_me();
    let accept: AcceptAction = Action::new(|token: &String| accept_invitation(token.clone()));
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(workspace)) = accept.value().get() {
            me.refetch();
            navigate(&format!("/w/{}", workspace.id), Default::default());
        }
    });

    view! {
        <Title text="Invitation" />
        <div class="narrow">
            <h1>"Invitation"</h1>
            <Suspense fallback=|| view! { <p>"Loading the invitation…"</p> }>
                {move || Suspend::new(async move {
                    let preview = preview.await;
                    let who = me.resource.await.ok().flatten();
                    match preview {
                        Ok(preview) => view! {
                            <Offer token=token.get_untracked() preview who accept />
                        }.into_any(),
                        Err(error) => view! {
                            <ErrorNotice error />
                            <p>"Ask the person who invited you for a new link."</p>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

#[component]
fn Offer(
    token: String,
    preview: InvitationPreview,
    who: Option<MeView>,
    accept: AcceptAction,
) -> impl IntoView {
    let details = view! {
        <div class="notice" data-testid="invitation-preview">
            <p>
                "You are invited to join " <strong data-testid="invitation-workspace">{preview.workspace.clone()}</strong>
                " as " <strong data-testid="invitation-role">{preview.role.label()}</strong> "."
            </p>
            <p class="muted">{preview.role.describe()}"."</p>
            <p class="muted">
                "The invitation is for " <strong>{preview.email.clone()}</strong>
                " and expires " {utc_time!(preview.expires_at)} "."
            </p>
        </div>
    };
    let next = match who {
        Some(me) => {
            let other = (!me.user.email.eq_ignore_ascii_case(&preview.email)).then(|| {
                view! {
                    <p class="warning">
                        "You are signed in as " {me.user.email.clone()}
                        ". Sign in as " {preview.email.clone()} " to accept it."
                    </p>
                }
            });
            let alert = Signal::derive(move || error_message(accept.value().get()));
            view! {
                {other}
                <FormAlert message=alert testid="accept-error" />
                <button
                    type="button"
                    class="button"
                    data-testid="accept-invitation"
                    disabled=move || accept.pending().get()
                    on:click=move |_| { accept.dispatch(token.clone()); }
                >
                    "Accept and join " {preview.workspace}
                </button>
            }
            .into_any()
        }
        None => {
            let sign_up = format!("/sign-up?invitation={token}");
            let sign_in = format!("/sign-in?next=/invitations/{token}");
            view! {
                <p>
                    <A href=sign_up attr:class="button" attr:data-testid="invitation-sign-up">"Create an account"</A>
                    " "
                    <A href=sign_in attr:class="button secondary" attr:data-testid="invitation-sign-in">"Sign in"</A>
                </p>
                <p class="muted">"New to Mixpilot? Create an account with this address. Already have one? Sign in, then accept."</p>
            }
            .into_any()
        }
    };
    view! { {details} {next} }
}
