//! The building blocks of authentication: password hashing (argon2id), random tokens stored as
//! SHA-256 hashes, and signed access tokens (JWT, HS256).

use std::sync::OnceLock;
use std::time::Duration;

use anyhow::Context as _;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, PasswordHash, Version};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::AppError;
use crate::error::ErrorCode;

/// Session and token lifetimes, and the key that signs access tokens.
#[derive(Clone)]
pub struct AuthConfig {
    encoding: EncodingKey,
    decoding: DecodingKey,
    /// How long an access token is valid. Default 15 minutes.
    pub access_ttl: Duration,
    /// How long a refresh token (and so a session without activity) lasts. Default 30 days.
    pub refresh_ttl: Duration,
    /// How long after its first use a refresh token may be presented again (a race between two
    /// tabs) without ending its session. Default 10 seconds.
    pub refresh_reuse_grace: Duration,
    /// How long an invitation link works. Default 7 days.
    pub invitation_ttl: Duration,
    /// Sign-in attempts per account, and per client address, within `sign_in_window`.
    pub sign_in_per_account: u32,
    pub sign_in_per_ip: u32,
    pub sign_in_window: Duration,
    /// Checks of the current password (password change) per account within `sign_in_window`.
    pub password_checks_per_account: u32,
    /// Sign-ups per client address within `sign_up_window`, and of those, sign-ups with an
    /// address that already has an account (each answer tells that it has one).
    pub sign_up_per_ip: u32,
    pub sign_up_taken_per_ip: u32,
    pub sign_up_window: Duration,
}

impl std::fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthConfig")
            .field("key", &"***")
            .field("access_ttl", &self.access_ttl)
            .field("refresh_ttl", &self.refresh_ttl)
            .finish_non_exhaustive()
    }
}

/// The issuer and audience of Mixpilot's access tokens.
const ISSUER: &str = "mixpilot";
const AUDIENCE: &str = "mixpilot-api";
/// Clock skew allowed on an access token's expiry, in seconds.
const LEEWAY_SECS: u64 = 5;

impl AuthConfig {
    /// A configuration signing with `secret` (at least 32 bytes), with the default lifetimes.
    pub fn new(secret: &[u8]) -> Result<Self, String> {
        if secret.len() < 32 {
            return Err(format!(
                "must be at least 32 bytes (got {}); generate one with `openssl rand -base64 48`",
                secret.len()
            ));
        }
        Ok(Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            access_ttl: Duration::from_secs(15 * 60),
            refresh_ttl: Duration::from_secs(30 * 24 * 3600),
            refresh_reuse_grace: Duration::from_secs(10),
            invitation_ttl: Duration::from_secs(7 * 24 * 3600),
            sign_in_per_account: 10,
            sign_in_per_ip: 50,
            sign_in_window: Duration::from_secs(15 * 60),
            password_checks_per_account: 5,
            sign_up_per_ip: 60,
            sign_up_taken_per_ip: 5,
            sign_up_window: Duration::from_secs(3600),
        })
    }

    pub(crate) fn sign(&self, claims: &AccessClaims) -> Result<String, AppError> {
        jsonwebtoken::encode(
            &Header::new(jsonwebtoken::Algorithm::HS256),
            claims,
            &self.encoding,
        )
        .context("signing an access token")
        .map_err(AppError::internal)
    }

    /// Checks an access token's signature, issuer, audience and expiry.
    pub(crate) fn verify(&self, token: &str) -> Result<AccessClaims, AppError> {
        let mut validation = Validation::new(jsonwebtoken::Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "sub", "iss", "aud"]);
        validation.leeway = LEEWAY_SECS;
        jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &validation)
            .map(|data| data.claims)
            .map_err(|e| {
                let message = match e.kind() {
                    jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                        "the access token has expired; refresh the session"
                    }
                    _ => "the access token is not valid",
                };
                AppError::new(ErrorCode::Unauthenticated, message)
            })
    }
}

impl AuthConfig {
    /// The CSRF token of an access token that is properly signed but has expired, and `None` for
    /// any other token: a browser request with an expired session proves with it that it comes
    /// from our page, so the session may be renewed from its refresh cookie.
    pub(crate) fn csrf_if_expired(&self, token: &str) -> Option<String> {
        let mut validation = Validation::new(jsonwebtoken::Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.validate_exp = false;
        let claims = jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &validation)
            .ok()?
            .claims;
        let leeway = i64::try_from(LEEWAY_SECS).unwrap_or(0);
        (claims.exp + leeway < chrono::Utc::now().timestamp()).then_some(claims.csrf)
    }
}

/// What an access token says.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct AccessClaims {
    /// The user.
    pub sub: uuid::Uuid,
    /// The session: the refresh-token family.
    pub sid: uuid::Uuid,
    /// The CSRF token bound to the session.
    pub csrf: String,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
}

impl AccessClaims {
    pub(crate) fn new(user: uuid::Uuid, session: uuid::Uuid, csrf: String, ttl: Duration) -> Self {
        let now = chrono::Utc::now().timestamp();
        Self {
            sub: user,
            sid: session,
            csrf,
            iat: now,
            exp: now + i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX / 2),
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
        }
    }
}

/// A new signing secret: 48 random bytes, base64.
pub fn generate_secret() -> String {
    let mut bytes = [0u8; 48];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A random token with 256 bits of entropy, URL-safe, after `prefix`.
pub(crate) fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// How a random token is stored: SHA-256, hex. Tokens carry 256 bits of entropy, so a fast hash
/// is enough, and it allows lookups by hash.
pub(crate) fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// argon2id with the OWASP-recommended minimum: 19 MiB of memory, 2 passes, 1 lane.
fn hasher() -> Result<Argon2<'static>, AppError> {
    let params = Params::new(19 * 1024, 2, 1, None)
        .map_err(|e| AppError::internal(anyhow::anyhow!("argon2 parameters: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes a password on a blocking thread (it takes tens of milliseconds by design).
pub(crate) async fn hash_password(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        hasher()?
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| AppError::internal(anyhow::anyhow!("hashing a password: {e}")))
    })
    .await
    .context("joining the password hasher")
    .map_err(AppError::internal)?
}

/// Checks a password against a stored hash, on a blocking thread. With no stored hash (no such
/// account), it checks against a dummy hash, so the answer takes as long either way.
pub(crate) async fn verify_password(
    password: String,
    stored: Option<String>,
) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || {
        let stored = match stored {
            Some(s) => s,
            None => dummy_hash()?.to_owned(),
        };
        let parsed = PasswordHash::new(&stored)
            .map_err(|e| AppError::internal(anyhow::anyhow!("a stored password hash: {e}")))?;
        Ok(hasher()?
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .context("joining the password verifier")
    .map_err(AppError::internal)?
    .map(|ok: bool| ok)
}

fn dummy_hash() -> Result<&'static str, AppError> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(h) = DUMMY.get() {
        return Ok(h);
    }
    let hash = hasher()?
        .hash_password(b"no such account, but the same work")
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal(anyhow::anyhow!("hashing the dummy password: {e}")))?;
    Ok(DUMMY.get_or_init(|| hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_password_verifies_against_its_hash_and_nothing_else() {
        let hash = hash_password("correct horse battery".into()).await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(
            verify_password("correct horse battery".into(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(
            !verify_password("correct horse batterz".into(), Some(hash))
                .await
                .unwrap()
        );
        assert!(!verify_password("anything".into(), None).await.unwrap());
    }

    #[test]
    fn tokens_are_random_and_hashes_are_stable() {
        let a = random_token("mpr_");
        let b = random_token("mpr_");
        assert_ne!(a, b);
        assert!(a.starts_with("mpr_") && a.len() == 4 + 43);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_eq!(token_hash("abc").len(), 64);
    }

    #[test]
    fn a_tampered_or_foreign_token_is_refused() {
        let config = AuthConfig::new(&[7u8; 32]).unwrap();
        let other = AuthConfig::new(&[8u8; 32]).unwrap();
        let claims = AccessClaims::new(
            uuid::Uuid::nil(),
            uuid::Uuid::nil(),
            "c".into(),
            Duration::from_secs(60),
        );
        let token = config.sign(&claims).unwrap();
        assert_eq!(config.verify(&token).unwrap().sub, uuid::Uuid::nil());
        assert_eq!(
            other.verify(&token).unwrap_err().code,
            ErrorCode::Unauthenticated
        );
        assert!(AuthConfig::new(b"too short").is_err());
    }
}
