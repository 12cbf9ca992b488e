//! Property tests (proptest) for the domain parsers that take untrusted input, and for the
//! section rule: whatever is typed, a parser answers (never panics), what it accepts is
//! normalised and accepted again unchanged, and nothing marked internal ever reaches a
//! recipient, whatever the toggles.
use app::domain::{
    EmailAddress, SecondFactorCode,
    documents::{DocumentBody, Section},
    records::DateOfBirth,
    sharing::check_expiry,
};
use chrono::NaiveDate;
use proptest::prelude::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
}

/// Text that looks like what people type into these fields, and anything at all.
fn typed() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ a-zA-Z0-9._%+@-]{0,40}",
        "[a-z0-9.]{1,20}@[a-z0-9-]{1,20}\\.[a-z]{2,6}",
        "[0-9 +()-]{0,20}",
        "[0-9]{4}-[0-9]{2}-[0-9]{2}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn email_parsing_is_total_and_idempotent(raw in typed()) {
        if let Ok(e) = EmailAddress::parse("email", &raw) {
            let s = e.as_str();
            prop_assert!(s.len() <= 254);
            prop_assert_eq!(s, s.trim());
            prop_assert_eq!(s.to_lowercase(), s);
            prop_assert_eq!(s.matches('@').count() >= 1, true);
            let again = EmailAddress::parse("email", s).unwrap();
            prop_assert_eq!(again.as_str(), s);
        }
    }

    #[test]
    fn dates_of_birth_are_real_and_in_range(raw in typed()) {
        if let Ok(d) = DateOfBirth::parse("date_of_birth", &raw, today()) {
            prop_assert!(d.date() <= today());
            prop_assert!(d.date() >= NaiveDate::from_ymd_opt(1900, 1, 1).unwrap());
        }
    }

    #[test]
    fn second_factor_codes_are_six_digits_or_a_recovery_code(raw in typed()) {
        match SecondFactorCode::parse("code", &raw) {
            Ok(SecondFactorCode::Totp(c)) => prop_assert!(c.len() == 6 && c.chars().all(|c| c.is_ascii_digit())),
            Ok(SecondFactorCode::Recovery(c)) => prop_assert!(!c.is_empty() && c.len() <= 64),
            Err(_) => {}
        }
    }

    #[test]
    fn expiry_dates_stay_within_the_maximum(raw in typed(), max in 1u32..=14) {
        if let Ok(d) = check_expiry(&raw, today(), max) {
            prop_assert!(d > today());
            prop_assert!(d <= today() + chrono::Duration::days(i64::from(max)));
        }
    }

    #[test]
    fn decode_errors_never_echo_quoted_values(secret in "[a-zA-Z0-9]{8,20}", prefix in "[a-z :`]{0,30}") {
        let m = app::error::describe_decode_error(&format!("{prefix}\"{secret}\" expected u32"));
        prop_assert!(!m.contains(&secret));
    }

    /// Nothing marked internal ever appears in a recipient's snapshot, whatever sections
    /// are chosen (including indexes out of range and repeated ones); only chosen
    /// sections appear, in their order.
    #[test]
    fn internal_sections_never_reach_a_recipient(
        sections in prop::collection::vec(("[a-z]{1,8}", "[a-z ]{0,20}", any::<bool>()), 0..12),
        keep in prop::option::of(prop::collection::vec(0usize..16, 0..16)),
    ) {
        let body = DocumentBody::Sections {
            sections: sections
                .iter()
                .map(|(t, x, internal)| Section { title: t.clone(), text: x.clone(), internal: *internal })
                .collect(),
        };
        let DocumentBody::Sections { sections: shared } = body.for_recipient(keep.as_deref()) else {
            panic!("a note stays a note");
        };
        prop_assert!(shared.iter().all(|s| !s.internal));
        let expected: Vec<&Section> = match &body {
            DocumentBody::Sections { sections } => sections
                .iter()
                .enumerate()
                .filter(|(i, s)| !s.internal && keep.as_ref().is_none_or(|k| k.contains(i)))
                .map(|(_, s)| s)
                .collect(),
            _ => unreachable!(),
        };
        prop_assert_eq!(shared.iter().collect::<Vec<_>>(), expected);
    }
}

#[cfg(feature = "ssr")]
proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Phone numbers (libphonenumber): accepted ones come out in E.164 and read back
    /// unchanged.
    #[test]
    fn phone_numbers_come_out_in_e164(raw in typed(), region in prop_oneof![Just("GB"), Just("US"), Just("DE")]) {
        if let Ok(p) = app::domain::records::PhoneNumber::parse("phone", &raw, region) {
            let s = p.as_str();
            prop_assert!(s.starts_with('+'));
            prop_assert!(s[1..].chars().all(|c| c.is_ascii_digit()));
            let again = app::domain::records::PhoneNumber::parse("phone", s, region).unwrap();
            prop_assert_eq!(again.as_str(), s);
        }
    }
}
