//! Secrets at rest: platform tokens and PKCE verifiers are sealed with AES-256-GCM under a key
//! from configuration. Each sealed value is bound to what it belongs to (associated data, such
//! as the connection's ID), so a sealed value copied to another row does not open.

use aes_gcm::aead::{Aead, KeyInit, OsRng, Payload};
use aes_gcm::{AeadCore, Aes256Gcm, Key, Nonce};

use crate::error::AppError;

const NONCE_LEN: usize = 12;

/// The key that seals secrets. `Debug` never shows it.
#[derive(Clone)]
pub struct SecretBox {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox([redacted])")
    }
}

impl SecretBox {
    /// From a 32-byte key.
    pub fn new(key: &[u8; 32]) -> Self {
        Self {
            cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key)),
        }
    }

    /// A key derived (HKDF-SHA256) from another secret, for deployments that configure no key
    /// of their own: the session secret then keys both, under different labels.
    pub fn derived_from(secret: &[u8]) -> Result<Self, AppError> {
        let hk = hkdf::Hkdf::<sha2::Sha256>::new(Some(b"mixpilot"), secret);
        let mut key = [0u8; 32];
        hk.expand(b"mixpilot secrets at rest v1", &mut key)
            .map_err(|e| AppError::internal(anyhow::anyhow!("deriving the secrets key: {e}")))?;
        Ok(Self::new(&key))
    }

    /// Seals `plaintext` bound to `aad`: a random nonce followed by the ciphertext and tag.
    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, AppError> {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let mut out = nonce.to_vec();
        let sealed = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .map_err(|_| AppError::internal(anyhow::anyhow!("sealing a secret failed")))?;
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Opens what [`Self::seal`] sealed with the same key and `aad`.
    pub fn open(&self, sealed: &[u8], aad: &[u8]) -> Result<Vec<u8>, AppError> {
        if sealed.len() < NONCE_LEN + 16 {
            return Err(AppError::internal(anyhow::anyhow!(
                "a sealed secret is too short"
            )));
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        self.cipher
            .decrypt(Nonce::from_slice(nonce), Payload { msg: body, aad })
            .map_err(|_| {
                AppError::internal(anyhow::anyhow!(
                    "a sealed secret did not open (wrong key, or moved from another row)"
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_and_its_owner() {
        let boxed = SecretBox::new(&[7u8; 32]);
        let sealed = boxed.seal(b"ya29.token", b"connection-1").unwrap();
        assert!(!sealed.windows(4).any(|w| w == b"ya29"), "plaintext leaked");
        assert_eq!(boxed.open(&sealed, b"connection-1").unwrap(), b"ya29.token");
        assert!(boxed.open(&sealed, b"connection-2").is_err());
        assert!(
            SecretBox::new(&[8u8; 32])
                .open(&sealed, b"connection-1")
                .is_err()
        );
        let mut tampered = sealed.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(boxed.open(&tampered, b"connection-1").is_err());
        // Two seals of the same value differ (fresh nonce).
        assert_ne!(sealed, boxed.seal(b"ya29.token", b"connection-1").unwrap());
    }

    #[test]
    fn derived_keys_differ_by_secret() {
        let a = SecretBox::derived_from(b"session secret a").unwrap();
        let b = SecretBox::derived_from(b"session secret b").unwrap();
        let sealed = a.seal(b"x", b"").unwrap();
        assert!(a.open(&sealed, b"").is_ok());
        assert!(b.open(&sealed, b"").is_err());
    }
}
