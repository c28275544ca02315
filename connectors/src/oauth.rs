//! The standard parts of OAuth2 (RFC 6749 authorization code, refresh, PKCE per RFC 7636), on
//! the `oauth2` crate. Google and Microsoft use them as they are; LinkedIn builds its
//! authorization URL here but answers token calls without `token_type`, Meta adds a
//! long-lived exchange and TikTok wraps its own token call (see their modules).

use chrono::{DateTime, Utc};
use oauth2::basic::{
    BasicErrorResponse, BasicErrorResponseType, BasicRevocationErrorResponse,
    BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet,
    EndpointSet, ExtraTokenFields, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken,
    RequestTokenError, Scope, StandardRevocableToken, StandardTokenResponse, TokenResponse,
    TokenUrl,
};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::{ConnectorError, Tokens};

/// Fields some platforms add to the token response: the refresh token's own life, where a
/// platform states it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TokenExtras {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token_expires_in: Option<u64>,
}

impl ExtraTokenFields for TokenExtras {}

type TokenResp = StandardTokenResponse<TokenExtras, BasicTokenType>;

type Client = oauth2::Client<
    BasicErrorResponse,
    TokenResp,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// A fresh PKCE verifier, kept server side with the state; the authorization URL carries its
/// S256 challenge.
pub fn pkce_verifier() -> String {
    PkceCodeChallenge::new_random_sha256().1.secret().clone()
}

/// The S256 challenge of a verifier (RFC 7636 section 4.2): base64url(SHA-256(verifier)).
/// Unlike the `oauth2` crate's, it accepts any input, so a fake can check what it was sent.
pub fn pkce_challenge(verifier: &str) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier))
}

/// A random `state` value for the authorization request.
pub fn random_state() -> String {
    CsrfToken::new_random().secret().clone()
}

/// The HTTP client every connector uses: no redirects (an OAuth token endpoint that redirects
/// is an SSRF risk), bounded time per call.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(60))
        .connect_timeout(std::time::Duration::from_secs(10))
        .user_agent(concat!("Mixpilot/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}

/// One OAuth2 application registered with a platform.
#[derive(Clone)]
pub struct OAuthApp {
    pub client_id: String,
    pub client_secret: String,
    pub authorize_url: Url,
    pub token_url: Url,
    pub scopes: Vec<String>,
    /// Whether to send a PKCE challenge (Google and Microsoft accept one; LinkedIn's web flow
    /// does not).
    pub pkce: bool,
    /// Extra query parameters of the authorization URL (`access_type=offline`, `prompt=consent`).
    pub extra_params: Vec<(String, String)>,
}

impl std::fmt::Debug for OAuthApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthApp")
            .field("client_id", &self.client_id)
            .field("authorize_url", &self.authorize_url.as_str())
            .field("token_url", &self.token_url.as_str())
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

impl OAuthApp {
    fn client(&self, redirect_uri: Option<&str>) -> Result<Client, ConnectorError> {
        let mut client = oauth2::Client::new(ClientId::new(self.client_id.clone()))
            .set_client_secret(ClientSecret::new(self.client_secret.clone()))
            .set_auth_uri(AuthUrl::from_url(self.authorize_url.clone()))
            .set_token_uri(TokenUrl::from_url(self.token_url.clone()))
            // Every platform here documents the credentials as form fields.
            .set_auth_type(AuthType::RequestBody);
        if let Some(uri) = redirect_uri {
            let uri = RedirectUrl::new(uri.to_owned())
                .map_err(|e| ConnectorError::invalid(format!("invalid redirect URI: {e}")))?;
            client = client.set_redirect_uri(uri);
        }
        Ok(client)
    }

    /// The URL to send the person to.
    pub fn authorize_url(&self, request: &crate::AuthorizeRequest) -> Result<Url, ConnectorError> {
        let client = self.client(Some(&request.redirect_uri))?;
        let state = request.state.clone();
        let mut auth = client
            .authorize_url(move || CsrfToken::new(state))
            .add_scopes(self.scopes.iter().cloned().map(Scope::new));
        if self.pkce {
            auth = auth.set_pkce_challenge(PkceCodeChallenge::from_code_verifier_sha256(
                &PkceCodeVerifier::new(request.pkce_verifier.clone()),
            ));
        }
        for (k, v) in &self.extra_params {
            auth = auth.add_extra_param(k.clone(), v.clone());
        }
        let (url, _) = auth.url();
        Ok(url)
    }

    /// Trades an authorization code for tokens.
    pub async fn exchange_code(
        &self,
        http: &reqwest::Client,
        exchange: &crate::CodeExchange,
    ) -> Result<Tokens, ConnectorError> {
        let client = self.client(Some(&exchange.redirect_uri))?;
        let mut request = client.exchange_code(AuthorizationCode::new(exchange.code.clone()));
        if self.pkce {
            request =
                request.set_pkce_verifier(PkceCodeVerifier::new(exchange.pkce_verifier.clone()));
        }
        let response = request.request_async(http).await.map_err(token_error)?;
        Ok(tokens_from(&response, None, Utc::now()))
    }

    /// A fresh access token from a refresh token. Where the response carries no new refresh
    /// token (Google), the old one is kept; where it does (Microsoft rotates), the new one
    /// replaces it.
    pub async fn refresh(
        &self,
        http: &reqwest::Client,
        tokens: &Tokens,
    ) -> Result<Tokens, ConnectorError> {
        let Some(refresh) = &tokens.refresh_token else {
            return Err(ConnectorError::reauthorize(
                "this connection has no refresh token",
            ));
        };
        if tokens.refresh_expires_at.is_some_and(|at| at <= Utc::now()) {
            return Err(ConnectorError::reauthorize("the refresh token has expired"));
        }
        let client = self.client(None)?;
        let scopes: Vec<Scope> = self.scopes.iter().cloned().map(Scope::new).collect();
        let response = client
            .exchange_refresh_token(&RefreshToken::new(refresh.clone()))
            .add_scopes(scopes)
            .request_async(http)
            .await
            .map_err(token_error)?;
        let mut fresh = tokens_from(&response, Some(tokens), Utc::now());
        fresh.extra = tokens.extra.clone();
        Ok(fresh)
    }
}

/// Tokens from a token response; `previous` supplies what a refresh response leaves out.
fn tokens_from(response: &TokenResp, previous: Option<&Tokens>, now: DateTime<Utc>) -> Tokens {
    let expires_at = response
        .expires_in()
        .and_then(|d| chrono::Duration::from_std(d).ok())
        .map(|d| now + d);
    let refresh_token = response
        .refresh_token()
        .map(|r| r.secret().clone())
        .or_else(|| previous.and_then(|p| p.refresh_token.clone()));
    let refresh_expires_at = match response.extra_fields().refresh_token_expires_in {
        Some(secs) => i64::try_from(secs)
            .ok()
            .map(|s| now + chrono::Duration::seconds(s)),
        None => previous.and_then(|p| p.refresh_expires_at),
    };
    let scopes = match response.scopes() {
        Some(scopes) => scopes.iter().map(|s| s.to_string()).collect(),
        None => previous.map(|p| p.scopes.clone()).unwrap_or_default(),
    };
    Tokens {
        access_token: response.access_token().secret().clone(),
        refresh_token,
        expires_at,
        refresh_expires_at,
        scopes,
        extra: previous.map(|p| p.extra.clone()).unwrap_or_default(),
    }
}

/// A token endpoint's failure: `invalid_grant` means the grant is gone; a network failure or a
/// 5xx is worth retrying.
fn token_error<RE: std::error::Error + 'static>(
    e: RequestTokenError<RE, BasicErrorResponse>,
) -> ConnectorError {
    match e {
        RequestTokenError::ServerResponse(resp) => {
            let message = resp
                .error_description()
                .cloned()
                .unwrap_or_else(|| resp.error().to_string());
            match resp.error() {
                BasicErrorResponseType::InvalidGrant => ConnectorError::reauthorize(message),
                other => ConnectorError::rejected(other.to_string(), message),
            }
        }
        RequestTokenError::Request(e) => ConnectorError::transient(format!("token request: {e}")),
        RequestTokenError::Parse(e, body) => {
            // A 5xx with an HTML body lands here too.
            let head = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
            ConnectorError::transient(format!("token response did not parse ({e}): {head}"))
        }
        RequestTokenError::Other(m) => ConnectorError::protocol(m),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app() -> OAuthApp {
        OAuthApp {
            client_id: "client-1".into(),
            client_secret: "shh".into(),
            authorize_url: Url::parse("https://accounts.example/o/oauth2/v2/auth").unwrap(),
            token_url: Url::parse("https://oauth2.example/token").unwrap(),
            scopes: vec!["https://www.googleapis.com/auth/adwords".into()],
            pkce: true,
            extra_params: vec![("access_type".into(), "offline".into())],
        }
    }

    #[test]
    fn our_challenge_is_the_oauth2_crates() {
        let verifier = pkce_verifier();
        let theirs =
            PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(verifier.clone()));
        assert_eq!(pkce_challenge(&verifier), theirs.as_str());
        assert_eq!(pkce_challenge(&verifier).len(), 43);
    }

    #[test]
    fn the_authorization_url_carries_state_pkce_scope_and_extras() {
        let verifier = pkce_verifier();
        let challenge = pkce_challenge(&verifier);
        assert_ne!(verifier, challenge);
        let url = app()
            .authorize_url(&crate::AuthorizeRequest {
                redirect_uri: "https://app.example/oauth/callback/google_ads".into(),
                state: "st-123".into(),
                pkce_verifier: verifier.clone(),
            })
            .unwrap();
        let q: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
        assert_eq!(q["state"], "st-123");
        assert_eq!(q["code_challenge"], challenge);
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(q["client_id"], "client-1");
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["access_type"], "offline");
        assert_eq!(q["scope"], "https://www.googleapis.com/auth/adwords");
        assert_eq!(
            q["redirect_uri"],
            "https://app.example/oauth/callback/google_ads"
        );
        assert!(
            !url.as_str().contains("shh"),
            "the secret never goes in the URL"
        );
    }
}
