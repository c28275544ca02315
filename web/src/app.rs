//! The document shell and the app's layout: navigation, main area, routes.

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::path;

use crate::components::header::AccountMenu;
use crate::components::me::Me;
use crate::pages::{
    account::Account, api_keys::ApiKeys, audit::Audit, connections::Connections,
    invitation::Invitation, members::Members, not_found::NotFound, overview::Overview,
    sign_in::SignIn, sign_up::SignUp, status::Status, workspace_home::WorkspaceHome,
    workspaces::Workspaces,
};

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light" />
                // No favicon yet: an empty one, so browsers do not ask for /favicon.ico.
                <link rel="icon" href="data:," />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The app: a skip link, the navigation, and the routed main area.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Who is signed in: shared by the header and the pages.
    let me = Me::provide();
    // Effects run only in the browser, after hydration: mark the page as interactive, for
    // people's tools and for the browser tests.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Stylesheet id="mixpilot" href="/assets/mixpilot.css" />
        <Title formatter=|page: String| if page.is_empty() { "Mixpilot".to_owned() } else { format!("{page} · Mixpilot") } />
        <Router>
            <a class="skip-link" href="#main">"Skip to main content"</a>
            <header class="topbar">
                <A href="/" attr:class="brand">"Mixpilot"</A>
                <nav aria-label="Main">
                    <ul>
                        <li><A href="/">"Overview"</A></li>
                        <Transition fallback=|| ()>
                            {move || Suspend::new(async move {
                                matches!(me.resource.await, Ok(Some(_)))
                                    .then(|| view! { <li><A href="/workspaces">"Workspaces"</A></li> })
                            })}
                        </Transition>
                        <li><A href="/status">"System status"</A></li>
                    </ul>
                </nav>
                <AccountMenu />
            </header>
            <main id="main" tabindex="-1">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=Overview />
                    <Route path=path!("/status") view=Status />
                    <Route path=path!("/sign-in") view=SignIn />
                    <Route path=path!("/sign-up") view=SignUp />
                    <Route path=path!("/account") view=Account />
                    <Route path=path!("/invitations/:token") view=Invitation />
                    <Route path=path!("/workspaces") view=Workspaces />
                    <Route path=path!("/w/:workspace_id") view=WorkspaceHome />
                    <Route path=path!("/w/:workspace_id/connections") view=Connections />
                    <Route path=path!("/w/:workspace_id/members") view=Members />
                    <Route path=path!("/w/:workspace_id/api-keys") view=ApiKeys />
                    <Route path=path!("/w/:workspace_id/audit") view=Audit />
                </Routes>
            </main>
            <footer class="footer">
                <p>"Mixpilot · budget allocation for marketing teams and agencies"</p>
            </footer>
        </Router>
    }
}
