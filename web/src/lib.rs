//! Mixpilot's browser app, in Leptos.
//!
//! Every page is rendered on the server (`ssr`), then hydrated in the browser from the wasm
//! bundle built with `hydrate`. Data comes through server functions in [`api`], which call the
//! same `domain` services as the JSON API. The hydrate build depends on `domain` without
//! features, so it never pulls sea-orm, tokio or actix.

pub mod api;
pub mod app;
pub mod components;
pub mod pages;
pub mod session;

pub use app::{App, shell};

/// The app's stylesheet, served by the server at `/assets/mixpilot.css`.
pub const STYLESHEET: &str = include_str!("../style/mixpilot.css");

/// The wasm entry point: hydrates the server-rendered page.
#[cfg(feature = "hydrate")]
#[allow(unsafe_code)] // `#[wasm_bindgen]` generates the FFI glue.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}
