//! Password and recovery-code hashing with argon2id (the `argon2` crate's defaults are
//! OWASP's m=19 MiB, t=2, p=1). Hashing runs on the blocking pool behind a semaphore so a
//! flood of sign-ins cannot starve the async runtime or exhaust memory.
use argon2::{
    Argon2, PasswordHash, PasswordHasher as _, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};
use std::sync::Arc;
use tokio::sync::Semaphore;

#[derive(Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    /// Verified against for unknown accounts, so they take as long as known ones.
    dummy: Arc<String>,
}

/// Inputs longer than this are refused before hashing (argon2 as a DoS lever).
pub const MAX_INPUT: usize = 1024;

impl Hasher {
    pub fn new(concurrency: usize) -> Hasher {
        let dummy = hash_blocking("dossier-dummy-password-for-timing");
        Hasher { permits: Arc::new(Semaphore::new(concurrency)), dummy: Arc::new(dummy) }
    }

    pub async fn hash(&self, secret: &str) -> String {
        let _permit = self.permits.acquire().await.expect("semaphore never closed");
        let secret = secret.to_owned();
        tokio::task::spawn_blocking(move || hash_blocking(&secret)).await.expect("hash task panicked")
    }

    /// Verifies `secret` against `stored`; with `None` verifies against a dummy hash and
    /// returns false, taking the same time.
    pub async fn verify(&self, stored: Option<&str>, secret: &str) -> bool {
        if secret.len() > MAX_INPUT {
            return false;
        }
        let _permit = self.permits.acquire().await.expect("semaphore never closed");
        let (stored, known) = match stored {
            Some(s) => (s.to_owned(), true),
            None => ((*self.dummy).clone(), false),
        };
        let secret = secret.to_owned();
        let ok =
            tokio::task::spawn_blocking(move || verify_blocking(&stored, &secret)).await.expect("verify task panicked");
        ok && known
    }
}

fn hash_blocking(secret: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(secret.as_bytes(), &salt).expect("argon2 with default params").to_string()
}

fn verify_blocking(stored: &str, secret: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(h) => Argon2::default().verify_password(secret.as_bytes(), &h).is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_and_verify() {
        let h = Hasher::new(1);
        let stored = h.hash("correct horse battery staple").await;
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(h.verify(Some(&stored), "correct horse battery staple").await);
        assert!(!h.verify(Some(&stored), "wrong").await);
        assert!(!h.verify(None, "dossier-dummy-password-for-timing").await, "dummy never matches");
        assert!(!h.verify(Some(&stored), &"x".repeat(MAX_INPUT + 1)).await);
    }
}
