//! Validated types for clients and contacts.
use serde::{Deserialize, Serialize};
use std::fmt;

use crate::error::AppError;

/// A phone number in E.164 (`+441632960961`). On the server it is parsed with
/// libphonenumber's rules (the `phonenumber` crate), with the practice's region for
/// national numbers; the browser only does a quick shape check for instant feedback.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(field: &str, raw: &str, default_region: &str) -> Result<Self, AppError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(AppError::invalid(field, "Enter a phone number."));
        }
        let bad = || {
            AppError::invalid(
                field,
                "Enter a phone number with its country code, like +44 7400 123456, or a national number.",
            )
        };
        if trimmed.len() > 32 || !trimmed.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c)) {
            return Err(bad());
        }
        #[cfg(feature = "ssr")]
        {
            let region = default_region.parse::<phonenumber::country::Id>().ok();
            let n = phonenumber::parse(region, trimmed).map_err(|_| bad())?;
            if !phonenumber::is_valid(&n) {
                return Err(bad());
            }
            // E.164 allows 15 digits at most; libphonenumber's metadata accepts a few longer
            // national numbers (found by the `phone` fuzz target) that no provider would take.
            let e164 = n.format().mode(phonenumber::Mode::E164).to_string();
            if e164.len() > 16 {
                return Err(bad());
            }
            // The stored form must read back as itself, on its own and with the region: the
            // library can take leading digits for a national prefix, or read a malformed
            // country code, and keep a number whose E.164 form is not valid again (the
            // fuzzer: "+7 8880 0688 2018 4691", "(+38)11111112464"). Such a number would be
            // saved, then refused when edited or texted.
            let reads_back = |region: Option<phonenumber::country::Id>| {
                phonenumber::parse(region, &e164)
                    .ok()
                    .filter(phonenumber::is_valid)
                    .map(|m| m.format().mode(phonenumber::Mode::E164).to_string())
            };
            if reads_back(None).as_deref() != Some(e164.as_str())
                || reads_back(region).as_deref() != Some(e164.as_str())
            {
                return Err(bad());
            }
            Ok(PhoneNumber(e164))
        }
        #[cfg(not(feature = "ssr"))]
        {
            let _ = default_region;
            let digits: String = trimmed.chars().filter(|c| c.is_ascii_digit()).collect();
            if !(6..=15).contains(&digits.len()) {
                return Err(bad());
            }
            let plus = if trimmed.starts_with('+') { "+" } else { "" };
            Ok(PhoneNumber(format!("{plus}{digits}")))
        }
    }

    /// Trusts a value read back from the database (already E.164).
    pub fn from_stored(s: String) -> Self {
        PhoneNumber(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The last two digits only, for pages that must not reveal the number.
    pub fn masked(&self) -> String {
        format!("•••• •••• {}", last_two_digits(&self.0))
    }
}

/// The last two digits of a phone number, whatever its spacing: all that pages, records
/// and logs may show of it.
pub fn last_two_digits(number: &str) -> String {
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    digits[digits.len().saturating_sub(2)..].to_owned()
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A date of birth: a real calendar date, not in the future, not before 1900.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateOfBirth(chrono::NaiveDate);

impl DateOfBirth {
    pub fn parse(field: &str, raw: &str, today: chrono::NaiveDate) -> Result<Self, AppError> {
        let d = chrono::NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
            .map_err(|_| AppError::invalid(field, "Enter the date of birth as year-month-day, like 1984-03-27."))?;
        if d > today {
            return Err(AppError::invalid(field, "The date of birth cannot be in the future."));
        }
        if d < chrono::NaiveDate::from_ymd_opt(1900, 1, 1).expect("valid") {
            return Err(AppError::invalid(field, "Check the year of the date of birth."));
        }
        Ok(DateOfBirth(d))
    }

    pub fn date(&self) -> chrono::NaiveDate {
        self.0
    }

    pub fn to_iso(&self) -> String {
        self.0.format("%Y-%m-%d").to_string()
    }
}

/// Who may open a client's file besides its owner (admins and "can access all clients"
/// roles always may).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccessMode {
    /// Only the owner.
    OwnerOnly,
    /// Every staff member of the practice.
    AllPractitioners,
    /// The owner and the staff members listed.
    Selected,
}

impl AccessMode {
    pub fn key(self) -> &'static str {
        match self {
            AccessMode::OwnerOnly => "owner",
            AccessMode::AllPractitioners => "all",
            AccessMode::Selected => "selected",
        }
    }

    pub fn from_key(k: &str) -> Option<Self> {
        Some(match k {
            "owner" => AccessMode::OwnerOnly,
            "all" => AccessMode::AllPractitioners,
            "selected" => AccessMode::Selected,
            _ => return None,
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            AccessMode::OwnerOnly => "Owner only",
            AccessMode::AllPractitioners => "All practitioners",
            AccessMode::Selected => "These practitioners",
        }
    }
}

/// Who one of a client's own contacts is to them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClientContactKind {
    /// Someone to call in an emergency.
    Emergency,
    /// A relationship (parent, partner, guardian…) recorded for the file.
    Relationship,
}

impl ClientContactKind {
    pub const ALL: [ClientContactKind; 2] = [ClientContactKind::Emergency, ClientContactKind::Relationship];

    /// The stored and posted form.
    pub fn key(self) -> &'static str {
        match self {
            ClientContactKind::Emergency => "emergency",
            ClientContactKind::Relationship => "relationship",
        }
    }

    pub fn from_key(k: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.key() == k)
    }

    pub fn label(self) -> &'static str {
        match self {
            ClientContactKind::Emergency => "Emergency contact",
            ClientContactKind::Relationship => "Relationship",
        }
    }
}

/// Kinds of people and organisations in the contact book.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ContactKind {
    Insurer,
    Specialist,
    Gp,
    Lawyer,
    School,
    Other,
}

impl ContactKind {
    pub const ALL: [ContactKind; 6] = [
        ContactKind::Insurer,
        ContactKind::Specialist,
        ContactKind::Gp,
        ContactKind::Lawyer,
        ContactKind::School,
        ContactKind::Other,
    ];

    pub fn key(self) -> &'static str {
        match self {
            ContactKind::Insurer => "insurer",
            ContactKind::Specialist => "specialist",
            ContactKind::Gp => "gp",
            ContactKind::Lawyer => "lawyer",
            ContactKind::School => "school",
            ContactKind::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ContactKind::Insurer => "Insurer",
            ContactKind::Specialist => "Specialist",
            ContactKind::Gp => "GP / family doctor",
            ContactKind::Lawyer => "Lawyer",
            ContactKind::School => "School",
            ContactKind::Other => "Other",
        }
    }

    pub fn from_key(k: &str) -> Option<Self> {
        ContactKind::ALL.into_iter().find(|c| c.key() == k)
    }
}

/// The lower-cased text a record is found by (names, email, phone digits).
pub fn search_key(parts: &[&str]) -> String {
    parts.iter().filter(|p| !p.is_empty()).map(|p| p.trim().to_lowercase()).collect::<Vec<_>>().join(" ")
}

/// Turns what a person typed into a safe substring pattern for `LIKE` (escapes `%`, `_`
/// and `\`), or `None` when there is nothing to search for.
pub fn like_pattern(query: &str) -> Option<String> {
    let q = query.trim().to_lowercase();
    if q.is_empty() {
        return None;
    }
    let escaped: String =
        q.chars().take(100).flat_map(|c| if matches!(c, '%' | '_' | '\\') { vec!['\\', c] } else { vec![c] }).collect();
    Some(format!("%{escaped}%"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    #[test]
    fn dates_of_birth() {
        assert_eq!(DateOfBirth::parse("d", "1984-03-27", today()).unwrap().to_iso(), "1984-03-27");
        assert!(DateOfBirth::parse("d", "1984-02-30", today()).is_err());
        assert!(DateOfBirth::parse("d", "27/03/1984", today()).is_err());
        assert!(DateOfBirth::parse("d", "2027-01-01", today()).unwrap_err().to_string().contains("future"));
        assert!(DateOfBirth::parse("d", "1850-01-01", today()).is_err());
    }

    #[test]
    fn phone_numbers_become_e164() {
        assert_eq!(PhoneNumber::parse("p", "+44 7400 123456", "GB").unwrap().as_str(), "+447400123456");
        assert_eq!(PhoneNumber::parse("p", "07400 123456", "GB").unwrap().as_str(), "+447400123456");
        assert_eq!(PhoneNumber::parse("p", "(201) 555-0123", "US").unwrap().as_str(), "+12015550123");
        assert!(PhoneNumber::parse("p", "+44 1234", "GB").is_err(), "too short for the UK");
        assert!(PhoneNumber::parse("p", "12", "GB").is_err());
        assert!(PhoneNumber::parse("p", "074074006061456", "DE").is_err(), "16 digits in E.164 (fuzzer)");
        // The fuzzer: numbers whose normal form did not parse again. Refused, or stable.
        for region in ["GB", "US", "DE", "AU", "", "ZZ"] {
            for raw in ["+78880068820184691", "(+38)11111112464"] {
                if let Ok(p) = PhoneNumber::parse("p", raw, region) {
                    assert_eq!(PhoneNumber::parse("p", p.as_str(), region).unwrap(), p, "{raw} in {region}");
                }
            }
        }
        assert!(PhoneNumber::parse("p", "call me", "GB").unwrap_err().field() == Some("p"));
        assert_eq!(PhoneNumber::from_stored("+447700900123".into()).masked(), "•••• •••• 23");
    }

    #[test]
    fn like_patterns_are_escaped() {
        assert_eq!(like_pattern(" Ann "), Some("%ann%".into()));
        assert_eq!(like_pattern("50%_"), Some("%50\\%\\_%".into()));
        assert_eq!(like_pattern("  "), None);
    }

    #[test]
    fn access_mode_keys() {
        for m in [AccessMode::OwnerOnly, AccessMode::AllPractitioners, AccessMode::Selected] {
            assert_eq!(AccessMode::from_key(m.key()), Some(m));
        }
        assert_eq!(ContactKind::from_key("gp"), Some(ContactKind::Gp));
    }
}
