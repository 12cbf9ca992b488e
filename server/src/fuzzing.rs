//! Entry points for the cargo-fuzz targets in `fuzz/` (one per parser of untrusted input).
//! Each takes the fuzzer's bytes, runs the real parser (the same function the server
//! calls) and checks what must hold whatever the input: no panic, and what a parser
//! accepts is normalised (accepted again unchanged) and within its limits.
//!
//! Not part of the server's API; public only so the fuzz crate can reach the parsers.
#![doc(hidden)]

use app::domain::{
    EmailAddress, SecondFactorCode,
    intake::{IntakeForm, validate_answers},
    records::{DateOfBirth, PhoneNumber},
    sharing::VerifyMethod,
};
use axum::http::{HeaderMap, HeaderValue, header};
use std::collections::{BTreeMap, HashMap};

use crate::{platform::crypto, portal, web::session};

fn text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// Splits `data` into `key=value` lines: a form as a browser would post it.
fn form(data: &[u8]) -> BTreeMap<String, String> {
    text(data).lines().filter_map(|l| l.split_once('=')).map(|(k, v)| (k.to_owned(), v.to_owned())).collect()
}

/// The emailed link's token (`/s/{token}`) and the link cookie it is swapped for: a cookie
/// header of any bytes is read, opened under the master key and decoded, and only a
/// claim this key sealed is ever accepted.
pub fn link_token(data: &[u8]) {
    let keys = crypto::Keys::from_master(&[7; 32]);
    let _ = crypto::token_hash(&text(data));
    let mut headers = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_bytes(data) {
        headers.insert(header::COOKIE, v);
    }
    for name in ["dossier_link", "__Host-dossier_link"] {
        if let Some(raw) = session::read_cookie(&headers, name)
            && let Some(plain) = keys.open(&raw, "portal-link")
        {
            // Only our own seal opens: the fuzzer cannot forge one.
            let _ = serde_json::from_slice::<portal::LinkClaim>(&plain);
            panic!("a cookie the fuzzer made opened under the master key");
        }
    }
    // A sealed claim round-trips.
    let claim = portal::LinkClaim { share: text(data).into_owned(), token_hash: crypto::token_hash("t") };
    let sealed = keys.seal(&serde_json::to_vec(&claim).unwrap(), "portal-link");
    let back: portal::LinkClaim = serde_json::from_slice(&keys.open(&sealed, "portal-link").unwrap()).unwrap();
    assert_eq!(back.share, claim.share);
}

/// Phone numbers, with a region for national numbers.
pub fn phone(data: &[u8]) {
    let raw = text(data);
    for region in ["GB", "US", "DE", "AU", "", "ZZ"] {
        if let Ok(p) = PhoneNumber::parse("phone", &raw, region) {
            let s = p.as_str();
            assert!(s.starts_with('+') && s[1..].chars().all(|c| c.is_ascii_digit()), "E.164: {s}");
            assert!(s.len() <= 16, "{s}");
            assert_eq!(PhoneNumber::parse("phone", s, region).unwrap().as_str(), s, "normalised");
            let _ = crate::delivery::sms::hint(s);
        }
    }
}

/// Dates of birth: the client rule and the portal's forgiving reader.
pub fn date_of_birth(data: &[u8]) {
    let raw = text(data);
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    if let Ok(d) = DateOfBirth::parse("date_of_birth", &raw, today) {
        let again = DateOfBirth::parse("date_of_birth", &d.to_iso(), today).unwrap();
        assert_eq!(again, d);
    }
    if let Some(d) = portal::parse_date(&raw) {
        assert_eq!(portal::parse_date(&d.format("%Y-%m-%d").to_string()), Some(d));
    }
}

/// What a recipient types at the portal's second step (code, passcode, date), and the
/// staff sign-in's TOTP or recovery code: malformed input is refused before anything is
/// spent or hashed.
pub fn access_code(data: &[u8]) {
    let f: HashMap<String, String> = form(data).into_iter().collect();
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let answer =
        portal::AnswerForm { code: get("code"), passcode: get("passcode"), date_of_birth: get("date_of_birth") };
    for m in [VerifyMethod::Sms, VerifyMethod::Voice, VerifyMethod::Passcode, VerifyMethod::DateOfBirth] {
        match portal::read_answer(m, &answer) {
            Ok(portal::Given::Code(c)) => assert!(c.len() == 6 && c.chars().all(|c| c.is_ascii_digit())),
            Ok(portal::Given::Passcode(p)) => assert!(!p.is_empty() && p.len() <= 256, "hashed only when bounded"),
            Ok(_) | Err(_) => {}
        }
    }
    match SecondFactorCode::parse("code", &text(data)) {
        Ok(SecondFactorCode::Totp(c)) => assert!(c.len() == 6 && c.chars().all(|c| c.is_ascii_digit())),
        Ok(SecondFactorCode::Recovery(c)) => assert!(c.len() == 16, "recovery codes are 16 characters"),
        Err(_) => {}
    }
}

/// Email addresses.
pub fn email(data: &[u8]) {
    if let Ok(e) = EmailAddress::parse("email", &text(data)) {
        let s = e.as_str();
        assert!(s.len() <= 254 && s.contains('@'), "{s}");
        assert_eq!(EmailAddress::parse("email", s).unwrap().as_str(), s, "normalised");
        // An accepted address is one lettre can put in a header.
        assert!(s.parse::<lettre::Address>().is_ok(), "lettre refuses {s}");
    }
}

/// The email-template checker: whatever an admin saves either is refused with a reason
/// or renders within the sandbox's limits (fuel, recursion, output size).
pub fn template(data: &[u8]) {
    let raw = text(data);
    let (subject, body) = raw.split_once('\u{0}').unwrap_or(("Documents from {{ practice_name }}", &raw));
    if crate::delivery::templates::check_template_blocking(subject, body).is_ok() {
        let ctx = minijinja::context! {
            recipient_name => "Nora Quinnell", practice_name => "Calm Clinic", sender_name => "Dr Lee",
            expires => "14 December 2026", link => "https://dossier.test/s/abc", message => "",
        };
        let env = crate::delivery::templates::template_env();
        for src in [subject, body] {
            crate::delivery::templates::render_bounded(&env, src, &ctx)
                .expect("a template that passed the check renders");
        }
    }
}

/// A public intake form's answers: the identity fields and the form's own questions.
pub fn intake_answers(data: &[u8]) {
    let raw = form(data);
    let mut errors = BTreeMap::new();
    let identity = crate::intake::parse_identity(&raw, "GB", &mut errors);
    assert_eq!(identity.is_some(), errors.is_empty(), "an identity or the reasons, never both");
    let form = IntakeForm::starter();
    if let Ok(pairs) = validate_answers(&form, &raw) {
        assert!(pairs.len() <= form.questions.len());
    }
    // And a form definition an admin saves (JSON), checked before it is stored.
    if let Ok(mut f) = serde_json::from_slice::<IntakeForm>(data)
        && f.validate().is_ok()
    {
        let mut again = f.clone();
        again.validate().expect("a valid form stays valid");
        assert_eq!(again, f);
    }
}

/// Uploads: the content decides (PDF, PNG, JPEG), never the name; the kept file name is
/// safe for a Content-Disposition header.
pub fn upload(data: &[u8]) {
    if let Ok(m) = crate::documents::store::sniff_upload(data) {
        assert!(matches!(m, "application/pdf" | "image/png" | "image/jpeg"));
    }
    let name = crate::documents::store::safe_file_name(&text(data));
    assert!(name.chars().count() <= 120);
    assert!(HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")).is_ok() || !name.is_ascii());
}

/// The configuration loader: any TOML gives a configuration or one readable line.
pub fn config(data: &[u8]) {
    match crate::config::Config::from_toml(&text(data)) {
        Ok(c) => assert!(c.validate().is_ok()),
        Err(e) => assert!(!e.contains('\n') && e.starts_with("invalid configuration"), "{e}"),
    }
}

#[cfg(test)]
mod tests {
    /// Every fuzz target runs over its committed seeds and a handful of hostile inputs on
    /// each `cargo test`, so a target that stops building or starts panicking on a known
    /// input is caught without the nightly toolchain.
    #[test]
    fn every_fuzz_target_runs_clean_on_its_seeds() {
        let targets: [(&str, fn(&[u8])); 9] = [
            ("link_token", super::link_token),
            ("phone", super::phone),
            ("date_of_birth", super::date_of_birth),
            ("access_code", super::access_code),
            ("email", super::email),
            ("template", super::template),
            ("intake_answers", super::intake_answers),
            ("upload", super::upload),
            ("config", super::config),
        ];
        let hostile: [&[u8]; 6] = [
            b"",
            b"\xff\xfe\x00\x01",
            b"{% for a in link %}{% for b in link %}{{ b }}{% endfor %}{% endfor %}",
            b"code=%00%ff&passcode=&date_of_birth=31/02/1990",
            b"[smtp]\nport = 99999999999\n",
            b"%PDF-1.7\n\x00\x00",
        ];
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/seeds");
        for (name, run) in targets {
            let dir = root.join(name);
            let mut seeds = 0;
            for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
                run(&std::fs::read(entry.unwrap().path()).unwrap());
                seeds += 1;
            }
            assert!(seeds > 0, "{name} has no seeds");
            for input in hostile {
                run(input);
            }
            run(&vec![b'9'; 100_000]);
        }
    }
}
