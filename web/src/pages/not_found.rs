use leptos::prelude::*;
use leptos_meta::Title;

/// Shown for any path the app does not know. Answers 404 on the server.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(response) = use_context::<leptos_actix::ResponseOptions>() {
            response.set_status(actix_web::http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <Title text="Page not found" />
        <h1>"Page not found"</h1>
        <p>"There is no page at this address. " <a href="/">"Go to the overview"</a> "."</p>
    }
}
