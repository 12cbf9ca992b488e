//! TOTP (RFC 6238: SHA-1, 6 digits, 30 s steps, ±1 step of clock skew) with totp-rs, plus
//! the QR code for enrolment. Replay protection lives with the caller: it records the
//! accepted step and refuses any step not greater than the last one.
use base64::Engine;
use totp_rs::{Algorithm, Secret, TOTP};

use crate::platform::crypto::ct_eq;

pub const STEP: u64 = 30;

pub fn new_secret() -> Vec<u8> {
    // 160 bits, the RFC 4226 recommendation.
    Secret::generate_secret().to_bytes().expect("generated secrets are valid")
}

fn totp(secret: &[u8], issuer: &str, account: &str) -> TOTP {
    TOTP::new(Algorithm::SHA1, 6, 1, STEP, secret.to_vec(), Some(issuer.to_owned()), account.to_owned())
        .expect("secret is at least 128 bits")
}

/// The time-step `code` is valid for (current ±1), if any. Compared in constant time.
pub fn matching_step(secret: &[u8], code: &str, unix_now: u64) -> Option<i64> {
    let t = totp(secret, "Dossier", "x");
    let now_step = unix_now / STEP;
    let mut found = None;
    for step in [now_step.saturating_sub(1), now_step, now_step + 1] {
        let expected = t.generate(step * STEP);
        if ct_eq(expected.as_bytes(), code.as_bytes()) {
            found = Some(step as i64);
        }
    }
    found
}

pub struct EnrolmentView {
    pub secret_base32: String,
    pub qr_svg_data_url: String,
}

pub fn enrolment_view(secret: &[u8], issuer: &str, account: &str) -> EnrolmentView {
    // Issuer and account appear in the otpauth URL; ':' is not allowed there.
    let issuer = issuer.replace(':', " ");
    let account = account.replace(':', " ");
    let t = totp(secret, &issuer, &account);
    let url = t.get_url();
    let svg = qrcode::QrCode::new(url.as_bytes())
        .expect("otpauth URLs fit in a QR code")
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    EnrolmentView {
        secret_base32: t.get_secret_base32(),
        qr_svg_data_url: format!("data:image/svg+xml;base64,{}", base64::engine::general_purpose::STANDARD.encode(svg)),
    }
}

/// 10 recovery codes of 16 base32 characters (80 bits each).
pub fn new_recovery_codes() -> Vec<String> {
    use rand::RngCore;
    (0..10)
        .map(|_| {
            let mut b = [0u8; 10];
            rand::rngs::OsRng.fill_bytes(&mut b);
            data_encoding::BASE32_NOPAD.encode(&b)
        })
        .collect()
}

/// Shows a code in groups of four for reading aloud or copying.
pub fn format_recovery_code(c: &str) -> String {
    c.as_bytes().chunks(4).map(|ch| std::str::from_utf8(ch).unwrap()).collect::<Vec<_>>().join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_vector() {
        // RFC 6238 appendix B, SHA-1, T = 59 s -> 94287082 (8 digits); 6 digits: 287082.
        let secret = b"12345678901234567890".to_vec();
        assert_eq!(matching_step(&secret, "287082", 59), Some(1));
        assert_eq!(matching_step(&secret, "287082", 59 + 30), Some(1), "previous step accepted");
        assert_eq!(matching_step(&secret, "287082", 59 + 90), None, "two steps late is refused");
        assert_eq!(matching_step(&secret, "000000", 59), None);
    }

    #[test]
    fn recovery_codes_are_distinct_base32() {
        let c = new_recovery_codes();
        assert_eq!(c.len(), 10);
        assert!(c.iter().all(|x| x.len() == 16));
        let mut d = c.clone();
        d.sort();
        d.dedup();
        assert_eq!(d.len(), 10);
        assert_eq!(format_recovery_code("ABCDEFGHIJKLMNOP"), "ABCD-EFGH-IJKL-MNOP");
    }

    #[test]
    fn enrolment_has_qr_and_key() {
        let s = new_secret();
        let v = enrolment_view(&s, "Practice: A", "a@example.com");
        assert!(v.qr_svg_data_url.starts_with("data:image/svg+xml;base64,"));
        assert_eq!(v.secret_base32.len(), 32);
    }
}
