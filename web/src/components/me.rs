//! The signed-in person, shared by the header and every page: one `me()` resource, provided as
//! context, refetched after anything that changes who is signed in or what they can open.

use domain::dto::accounts::MeView;
use leptos::prelude::*;

use crate::api::ApiError;
use crate::api::accounts::me;

/// Who is signed in, and every workspace they can open.
#[derive(Clone, Copy)]
pub struct Me {
    version: RwSignal<u64>,
    /// `None` when nobody is signed in.
    pub resource: Resource<Result<Option<MeView>, ApiError>>,
}

impl Me {
    /// Creates the resource and provides it to the app. Called once, by the app.
    pub fn provide() -> Self {
        let version = RwSignal::new(0_u64);
        let resource = Resource::new(move || version.get(), |_| me());
        let this = Self { version, resource };
        provide_context(this);
        this
    }

    /// Asks again: after signing in or out, or joining or creating a workspace.
    pub fn refetch(&self) {
        self.version.update(|v| *v += 1);
    }
}

/// The app's [`Me`].
pub fn use_me() -> Me {
    use_context::<Me>().unwrap_or_else(Me::provide)
}

/// Where a `?next=` parameter may send a person after signing in: only paths on this site.
pub fn safe_next(next: Option<String>) -> Option<String> {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_only_leads_to_paths_on_this_site() {
        assert_eq!(
            safe_next(Some("/invitations/abc".into())).as_deref(),
            Some("/invitations/abc")
        );
        assert_eq!(safe_next(Some("//evil.example".into())), None);
        assert_eq!(safe_next(Some("https://evil.example".into())), None);
        assert_eq!(safe_next(Some("/\\evil.example".into())), None);
        assert_eq!(safe_next(None), None);
    }
}
