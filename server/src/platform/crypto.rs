//! Secrets and encryption.
//!
//! - Random tokens: 256 bits from the OS RNG, base64url (ASVS 5.0 7.2.3, 11.5.1); only
//!   their SHA-256 is stored (ASVS 5.0 6.5.2 allows a plain hash at ≥112 bits).
//! - Encryption at rest: XChaCha20-Poly1305 (RustCrypto) under a key derived from the
//!   master key, which comes from configuration and never from the database.
//! - Derived keys: HMAC-SHA256(master, label), one per purpose.
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};
use chacha20poly1305::{
    XChaCha20Poly1305, XNonce,
    aead::{Aead, KeyInit, Payload},
};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// 32 random bytes from the OS, base64url without padding (43 characters).
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    B64.encode(b)
}

/// Lower-case hex SHA-256, used as the lookup key for tokens.
/// A 6-digit verification code, uniform over 000000–999999, from the OS's generator.
pub fn random_code() -> String {
    use rand::Rng;
    format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32))
}

pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

pub fn hex(bytes: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(bytes)
}

/// Constant-time equality (ASVS 5.0 11.2.4).
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// The master key and what is derived from it, plus the retired master keys still
/// accepted for decryption while `dossier rotate-keys` re-encrypts under the current one.
#[derive(Clone)]
pub struct Keys {
    aead: [u8; 32],
    flash: [u8; 32],
    code: [u8; 32],
    id: String,
    previous: Vec<[u8; 32]>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Keys({}, {} retired, <redacted>)", self.id, self.previous.len())
    }
}

/// What [`Keys::reseal`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Reseal {
    /// Already sealed under the current master key.
    Current,
    /// Sealed under a retired key; here it is under the current one.
    Resealed(String),
    /// No configured key opens it (wrong AAD, a missing retired key, or tampering).
    Unreadable,
}

impl Keys {
    pub fn from_master(master: &[u8; 32]) -> Keys {
        Keys::with_retired(master, &[])
    }

    /// The current master key and retired ones (decrypt-only).
    pub fn with_retired(master: &[u8; 32], retired: &[[u8; 32]]) -> Keys {
        let fp = derive(master, b"dossier/key-id/v1");
        Keys {
            aead: derive(master, b"dossier/aead/v1"),
            flash: derive(master, b"dossier/flash/v1"),
            code: derive(master, b"dossier/code/v1"),
            id: format!("mk-{}", &hex(&fp)[..16]),
            previous: retired.iter().filter(|r| *r != master).map(|r| derive(r, b"dossier/aead/v1")).collect(),
        }
    }

    /// A public fingerprint of the current master key (stored with wrapped data keys so an
    /// operator can see which key a row needs; it reveals nothing about the key).
    pub fn key_id(&self) -> &str {
        &self.id
    }

    /// Parses a base64 (standard or url-safe) 32-byte master key.
    pub fn parse_master(b64: &str) -> Result<[u8; 32], String> {
        let s = b64.trim();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(s)
            .or_else(|_| B64.decode(s.trim_end_matches('=')))
            .map_err(|_| "security.master_key must be base64".to_string())?;
        bytes
            .try_into()
            .map_err(|_| "security.master_key must be exactly 32 bytes (base64 of 32 random bytes)".to_string())
    }

    pub fn generate_master() -> String {
        let mut b = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut b);
        base64::engine::general_purpose::STANDARD.encode(b)
    }

    /// Encrypts `plain` under the master-derived key, binding it to `aad` (for example the
    /// row id and column), so a ciphertext copied to another row does not decrypt.
    pub fn seal(&self, plain: &[u8], aad: &str) -> String {
        seal_with(&self.aead, plain, aad)
    }

    /// Opens with the current key, then with each retired key.
    pub fn open(&self, sealed: &str, aad: &str) -> Option<Vec<u8>> {
        open_with(&self.aead, sealed, aad).or_else(|| self.previous.iter().find_map(|k| open_with(k, sealed, aad)))
    }

    /// Re-encrypts a value sealed under a retired key (key rotation).
    pub fn reseal(&self, sealed: &str, aad: &str) -> Reseal {
        if open_with(&self.aead, sealed, aad).is_some() {
            return Reseal::Current;
        }
        match self.previous.iter().find_map(|k| open_with(k, sealed, aad)) {
            Some(plain) => Reseal::Resealed(self.seal(&plain, aad)),
            None => Reseal::Unreadable,
        }
    }

    /// Wraps a per-document data key under the master key.
    pub fn wrap_key(&self, dek: &[u8; 32], aad: &str) -> String {
        self.seal(dek, aad)
    }

    pub fn unwrap_key(&self, wrapped: &str, aad: &str) -> Option<[u8; 32]> {
        self.open(wrapped, aad)?.try_into().ok()
    }

    /// Signs a small payload for a URL parameter (form feedback): `b64(payload).b64(mac)`.
    pub fn sign_flash(&self, payload: &str) -> String {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.flash).expect("any key length");
        mac.update(payload.as_bytes());
        let tag = mac.finalize().into_bytes();
        format!("{}.{}", B64.encode(payload), B64.encode(&tag[..16]))
    }

    /// A verification code's stored form: HMAC-SHA256 bound to the share, so a database
    /// copy cannot be brute-forced offline without the master key (10^6 codes otherwise).
    pub fn code_mac(&self, share_id: &str, code: &str) -> String {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.code).expect("any key length");
        mac.update(share_id.as_bytes());
        mac.update(b":");
        mac.update(code.as_bytes());
        hex(&mac.finalize().into_bytes())
    }

    pub fn verify_flash(&self, token: &str) -> Option<String> {
        let (p, t) = token.split_once('.')?;
        let payload = B64.decode(p).ok()?;
        let tag = B64.decode(t).ok()?;
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.flash).expect("any key length");
        mac.update(&payload);
        let expected = mac.finalize().into_bytes();
        if !ct_eq(&expected[..16], &tag) {
            return None;
        }
        String::from_utf8(payload).ok()
    }
}

/// A fresh random 256-bit data key.
pub fn new_data_key() -> [u8; 32] {
    let mut k = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut k);
    k
}

/// XChaCha20-Poly1305 with a random 192-bit nonce: raw `nonce || ciphertext+tag`.
pub fn seal_bytes_with(key: &[u8; 32], plain: &[u8], aad: &str) -> Vec<u8> {
    let cipher = XChaCha20Poly1305::new(key.into());
    let mut nonce = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let ct = cipher
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: plain, aad: aad.as_bytes() })
        .expect("encryption cannot fail for in-memory buffers");
    let mut out = Vec::with_capacity(24 + ct.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ct);
    out
}

/// Opens what [`seal_bytes_with`] produced; `None` if the key, the AAD or a byte is wrong.
pub fn open_bytes_with(key: &[u8; 32], data: &[u8], aad: &str) -> Option<Vec<u8>> {
    if data.len() < 24 + 16 {
        return None;
    }
    let (nonce, ct) = data.split_at(24);
    XChaCha20Poly1305::new(key.into()).decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad: aad.as_bytes() }).ok()
}

/// Text form of [`seal_bytes_with`]: `v1.` + base64url.
pub fn seal_with(key: &[u8; 32], plain: &[u8], aad: &str) -> String {
    format!("v1.{}", B64.encode(seal_bytes_with(key, plain, aad)))
}

pub fn open_with(key: &[u8; 32], sealed: &str, aad: &str) -> Option<Vec<u8>> {
    open_bytes_with(key, &B64.decode(sealed.strip_prefix("v1.")?).ok()?, aad)
}

fn derive(master: &[u8; 32], label: &[u8]) -> [u8; 32] {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(master).expect("any key length");
    mac.update(label);
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Keys {
        Keys::from_master(&[7u8; 32])
    }

    #[test]
    fn tokens_are_256_bit_and_distinct() {
        let a = random_token();
        assert_eq!(B64.decode(&a).unwrap().len(), 32);
        assert_ne!(a, random_token());
        assert_eq!(token_hash(&a).len(), 64);
    }

    #[test]
    fn seal_round_trips_and_binds_aad() {
        let k = keys();
        let s = k.seal(b"secret", "staff:1:totp");
        assert!(!s.contains("secret"));
        assert_eq!(k.open(&s, "staff:1:totp").unwrap(), b"secret");
        assert!(k.open(&s, "staff:2:totp").is_none());
        assert!(Keys::from_master(&[8u8; 32]).open(&s, "staff:1:totp").is_none());
    }

    #[test]
    fn data_keys_wrap_and_tampering_is_rejected() {
        let k = keys();
        let dek = new_data_key();
        let wrapped = k.wrap_key(&dek, "doc:1:dek");
        assert_eq!(k.unwrap_key(&wrapped, "doc:1:dek"), Some(dek));
        assert_eq!(k.unwrap_key(&wrapped, "doc:2:dek"), None);
        let mut ct = seal_bytes_with(&dek, b"lab result", "doc:1:file");
        assert_eq!(open_bytes_with(&dek, &ct, "doc:1:file").unwrap(), b"lab result");
        let last = ct.len() - 1;
        ct[last] ^= 1;
        assert!(open_bytes_with(&dek, &ct, "doc:1:file").is_none(), "a flipped bit is rejected");
        assert!(open_bytes_with(&dek, &ct[..10], "doc:1:file").is_none());
    }

    #[test]
    fn rotation_reseals_under_the_new_key_only_what_needs_it() {
        let (old, new) = ([1u8; 32], [2u8; 32]);
        let before = Keys::from_master(&old);
        let sealed = before.seal(b"totp secret", "staff:1:totp");
        let during = Keys::with_retired(&new, &[old]);
        assert_ne!(before.key_id(), during.key_id());
        assert_eq!(during.open(&sealed, "staff:1:totp").unwrap(), b"totp secret", "retired keys still open");
        let Reseal::Resealed(again) = during.reseal(&sealed, "staff:1:totp") else { panic!("must reseal") };
        assert_eq!(during.reseal(&again, "staff:1:totp"), Reseal::Current);
        let after = Keys::from_master(&new);
        assert_eq!(after.open(&again, "staff:1:totp").unwrap(), b"totp secret");
        assert!(after.open(&sealed, "staff:1:totp").is_none(), "without the retired key the old value is dead");
        assert!(before.open(&again, "staff:1:totp").is_none());
        assert_eq!(during.reseal(&sealed, "staff:2:totp"), Reseal::Unreadable);
        assert!(!format!("{during:?}").contains(&hex(&old)));
    }

    #[test]
    fn flash_rejects_tampering() {
        let k = keys();
        let t = k.sign_flash("{\"a\":1}");
        assert_eq!(k.verify_flash(&t).unwrap(), "{\"a\":1}");
        let (p, _) = t.split_once('.').unwrap();
        let forged = format!("{}.{}", B64.encode("{\"a\":2}"), t.split_once('.').unwrap().1);
        assert!(k.verify_flash(&forged).is_none());
        assert!(k.verify_flash(p).is_none());
    }

    #[test]
    fn master_key_parsing() {
        let m = Keys::generate_master();
        assert!(Keys::parse_master(&m).is_ok());
        assert!(Keys::parse_master("c2hvcnQ=").unwrap_err().contains("32 bytes"));
        assert!(Keys::parse_master("!!!").is_err());
    }
}
