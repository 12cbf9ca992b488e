//! Parsed inputs for record changes: everything a form sends, validated together so the
//! first wrong field is named.
use serde::{Deserialize, Serialize};

use super::records::{ClientContactKind, ContactKind, DateOfBirth, PhoneNumber};
use super::{DisplayName, EmailAddress};
use crate::error::AppError;

/// A client's details as entered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientInput {
    pub first_name: DisplayName,
    pub last_name: DisplayName,
    pub date_of_birth: DateOfBirth,
    pub email: Option<EmailAddress>,
    pub mobile: Option<PhoneNumber>,
}

fn optional<T>(raw: &str, parse: impl FnOnce(&str) -> Result<T, AppError>) -> Result<Option<T>, AppError> {
    if raw.trim().is_empty() { Ok(None) } else { parse(raw).map(Some) }
}

impl ClientInput {
    #[allow(clippy::too_many_arguments)]
    pub fn parse(
        first_name: &str,
        last_name: &str,
        date_of_birth: &str,
        email: &str,
        mobile: &str,
        region: &str,
        today: chrono::NaiveDate,
    ) -> Result<Self, AppError> {
        Ok(ClientInput {
            first_name: DisplayName::parse("first_name", "a first name", first_name)?,
            last_name: DisplayName::parse("last_name", "a last name", last_name)?,
            date_of_birth: DateOfBirth::parse("date_of_birth", date_of_birth, today)?,
            email: optional(email, |e| EmailAddress::parse("email", e))?,
            mobile: optional(mobile, |m| PhoneNumber::parse("mobile", m, region))?,
        })
    }
}

/// A relationship or emergency contact as entered; at least one way to reach them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientContactInput {
    pub kind: ClientContactKind,
    pub name: DisplayName,
    pub relationship: DisplayName,
    pub email: Option<EmailAddress>,
    pub phone: Option<PhoneNumber>,
}

impl ClientContactInput {
    pub fn parse(
        kind: &str,
        name: &str,
        relationship: &str,
        email: &str,
        phone: &str,
        region: &str,
    ) -> Result<Self, AppError> {
        let kind = ClientContactKind::from_key(kind)
            .ok_or_else(|| AppError::invalid("kind", "Choose relationship or emergency contact."))?;
        let input = ClientContactInput {
            kind,
            name: DisplayName::parse("contact_name", "their name", name)?,
            relationship: DisplayName::parse(
                "relationship",
                "the relationship (for example mother, partner)",
                relationship,
            )?,
            email: optional(email, |e| EmailAddress::parse("contact_email", e))?,
            phone: optional(phone, |p| PhoneNumber::parse("contact_phone", p, region))?,
        };
        if input.email.is_none() && input.phone.is_none() {
            return Err(AppError::invalid(
                "contact_email",
                "Enter an email address or a phone number so they can be reached.",
            ));
        }
        Ok(input)
    }
}

/// A contact-book entry as entered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactInput {
    pub name: DisplayName,
    pub organisation: Option<DisplayName>,
    pub kind: ContactKind,
    pub email: Option<EmailAddress>,
    pub phone: Option<PhoneNumber>,
}

impl ContactInput {
    pub fn parse(
        name: &str,
        organisation: &str,
        kind: &str,
        email: &str,
        phone: &str,
        region: &str,
    ) -> Result<Self, AppError> {
        let input = ContactInput {
            name: DisplayName::parse("name", "a name", name)?,
            organisation: optional(organisation, |o| DisplayName::parse("organisation", "the organisation", o))?,
            kind: ContactKind::from_key(kind)
                .ok_or_else(|| AppError::invalid("kind", "Choose what kind of contact this is."))?,
            email: optional(email, |e| EmailAddress::parse("email", e))?,
            phone: optional(phone, |p| PhoneNumber::parse("phone", p, region))?,
        };
        if input.email.is_none() && input.phone.is_none() {
            return Err(AppError::invalid("email", "Enter an email address or a phone number."));
        }
        Ok(input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    #[test]
    fn client_input_names_the_first_bad_field() {
        let ok = ClientInput::parse("Ann", "Lee", "1990-01-02", "", "", "GB", today()).unwrap();
        assert!(ok.email.is_none() && ok.mobile.is_none());
        let e = ClientInput::parse("Ann", "", "1990-01-02", "", "", "GB", today()).unwrap_err();
        assert_eq!(e.field(), Some("last_name"));
        let e = ClientInput::parse("Ann", "Lee", "1990-01-02", "x@", "", "GB", today()).unwrap_err();
        assert_eq!(e.field(), Some("email"));
        let e = ClientInput::parse("Ann", "Lee", "1990-01-02", "", "12", "GB", today()).unwrap_err();
        assert_eq!(e.field(), Some("mobile"));
    }

    #[test]
    fn contacts_need_a_way_to_reach_them() {
        assert!(ClientContactInput::parse("emergency", "Bo", "Partner", "", "", "GB").is_err());
        assert!(
            ClientContactInput::parse("emergency", "Bo", "Partner", "bo@x.test", "", "GB").unwrap().kind
                == ClientContactKind::Emergency
        );
        assert!(ClientContactInput::parse("nope", "Bo", "Partner", "bo@x.test", "", "GB").is_err());
        assert!(ContactInput::parse("Dr Who", "", "gp", "", "", "GB").is_err());
        assert_eq!(ContactInput::parse("Dr Who", "", "gp", "who@x.test", "", "GB").unwrap().kind, ContactKind::Gp);
    }
}
