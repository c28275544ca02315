//! The client of every server function: the browser's `fetch`, plus the `X-CSRF-Token` header
//! carrying the `mixpilot_csrf` cookie, which the server requires on cookie-authenticated
//! requests that change something.

use leptos::server_fn::client::Client;
use leptos::server_fn::client::browser::BrowserClient;
use leptos::server_fn::error::FromServerFnError;
use leptos::server_fn::request::browser::BrowserRequest;
use leptos::server_fn::response::browser::BrowserResponse;

/// `fetch` with the CSRF header.
pub struct Rpc;

impl<E, IS, OS> Client<E, IS, OS> for Rpc
where
    E: FromServerFnError,
    IS: FromServerFnError,
    OS: FromServerFnError,
{
    type Request = BrowserRequest;
    type Response = BrowserResponse;

    fn send(req: Self::Request) -> impl Future<Output = Result<Self::Response, E>> + Send {
        if let Some(token) = csrf_cookie() {
            req.headers().set(crate::session::CSRF_HEADER, &token);
        }
        <BrowserClient as Client<E, IS, OS>>::send(req)
    }

    #[allow(clippy::type_complexity)]
    fn open_websocket(
        path: &str,
    ) -> impl Future<
        Output = Result<
            (
                impl futures::Stream<Item = Result<bytes::Bytes, bytes::Bytes>> + Send + 'static,
                impl futures::Sink<bytes::Bytes> + Send + 'static,
            ),
            E,
        >,
    > + Send {
        <BrowserClient as Client<E, IS, OS>>::open_websocket(path)
    }

    fn spawn(future: impl Future<Output = ()> + Send + 'static) {
        <BrowserClient as Client<E, IS, OS>>::spawn(future)
    }
}

/// The `mixpilot_csrf` cookie's value, in the browser.
#[cfg(feature = "hydrate")]
fn csrf_cookie() -> Option<String> {
    use wasm_bindgen::JsCast as _;
    let document = leptos::prelude::document()
        .dyn_into::<web_sys::HtmlDocument>()
        .ok()?;
    let cookies = document.cookie().ok()?;
    cookies.split(';').find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name == crate::session::CSRF_COOKIE).then(|| value.to_owned())
    })
}

/// On the server, server functions are called directly, never through this client.
#[cfg(not(feature = "hydrate"))]
fn csrf_cookie() -> Option<String> {
    None
}
