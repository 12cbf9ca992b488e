//! Documents: the kinds a practice keeps, their structured bodies, and validation.
//! Bodies are stored encrypted; only kind, title and date are stored in clear.
use serde::{Deserialize, Serialize};

use super::Permission;
use crate::error::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DocumentKind {
    IntakeForm,
    ConsentForm,
    ClientNote,
    ConsultationNote,
    TreatmentNote,
    TreatmentPlan,
    Letter,
    Prescription,
    LabResult,
    OtherFile,
    Invoice,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 11] = [
        DocumentKind::IntakeForm,
        DocumentKind::ConsentForm,
        DocumentKind::ClientNote,
        DocumentKind::ConsultationNote,
        DocumentKind::TreatmentNote,
        DocumentKind::TreatmentPlan,
        DocumentKind::Letter,
        DocumentKind::Prescription,
        DocumentKind::LabResult,
        DocumentKind::OtherFile,
        DocumentKind::Invoice,
    ];

    pub fn key(self) -> &'static str {
        match self {
            DocumentKind::IntakeForm => "intake_form",
            DocumentKind::ConsentForm => "consent_form",
            DocumentKind::ClientNote => "client_note",
            DocumentKind::ConsultationNote => "consultation_note",
            DocumentKind::TreatmentNote => "treatment_note",
            DocumentKind::TreatmentPlan => "treatment_plan",
            DocumentKind::Letter => "letter",
            DocumentKind::Prescription => "prescription",
            DocumentKind::LabResult => "lab_result",
            DocumentKind::OtherFile => "other_file",
            DocumentKind::Invoice => "invoice",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DocumentKind::IntakeForm => "Intake form",
            DocumentKind::ConsentForm => "Consent form",
            DocumentKind::ClientNote => "Client note",
            DocumentKind::ConsultationNote => "Consultation note",
            DocumentKind::TreatmentNote => "Treatment note",
            DocumentKind::TreatmentPlan => "Treatment plan",
            DocumentKind::Letter => "Letter",
            DocumentKind::Prescription => "Prescription",
            DocumentKind::LabResult => "Lab result",
            DocumentKind::OtherFile => "Other file",
            DocumentKind::Invoice => "Invoice",
        }
    }

    /// The kind as a list heading ("Intake forms", "Letters").
    pub fn plural(self) -> &'static str {
        match self {
            DocumentKind::IntakeForm => "Intake forms",
            DocumentKind::ConsentForm => "Consent forms",
            DocumentKind::ClientNote => "Client notes",
            DocumentKind::ConsultationNote => "Consultation notes",
            DocumentKind::TreatmentNote => "Treatment notes",
            DocumentKind::TreatmentPlan => "Treatment plans",
            DocumentKind::Letter => "Letters",
            DocumentKind::Prescription => "Prescriptions",
            DocumentKind::LabResult => "Lab results",
            DocumentKind::OtherFile => "Other files",
            DocumentKind::Invoice => "Invoices",
        }
    }

    pub fn from_key(k: &str) -> Option<Self> {
        DocumentKind::ALL.into_iter().find(|d| d.key() == k)
    }

    /// Kinds whose content is an uploaded file (PDF or image).
    pub fn is_file(self) -> bool {
        matches!(self, DocumentKind::LabResult | DocumentKind::OtherFile)
    }

    /// Kinds with named sections (selectively shareable with the client).
    pub fn has_sections(self) -> bool {
        matches!(
            self,
            DocumentKind::ClientNote
                | DocumentKind::ConsultationNote
                | DocumentKind::TreatmentNote
                | DocumentKind::TreatmentPlan
        )
    }

    /// The permission needed to create or edit this kind.
    pub fn edit_permission(self) -> Permission {
        match self {
            DocumentKind::IntakeForm | DocumentKind::ConsentForm => Permission::EditForms,
            DocumentKind::ClientNote
            | DocumentKind::ConsultationNote
            | DocumentKind::TreatmentNote
            | DocumentKind::TreatmentPlan => Permission::EditNotes,
            DocumentKind::Letter => Permission::EditLetters,
            DocumentKind::Prescription => Permission::EditPrescriptions,
            DocumentKind::LabResult | DocumentKind::OtherFile => Permission::EditLabs,
            DocumentKind::Invoice => Permission::EditInvoices,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormItem {
    pub question: String,
    pub answer: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    pub title: String,
    pub text: String,
    /// "Office use only": never shared with anyone.
    pub internal: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrescriptionItem {
    pub medication: String,
    pub dosage: String,
    pub instructions: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLine {
    pub description: String,
    pub quantity: u32,
    /// Price of one unit in the smallest currency unit (cents, pence).
    pub unit_cents: i64,
}

/// The content of a document, by shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum DocumentBody {
    Form { items: Vec<FormItem> },
    Consent { text: String, signer_name: String, signed_at: String },
    Sections { sections: Vec<Section> },
    Letter { addressee: String, body: String },
    Prescription { items: Vec<PrescriptionItem>, notes: String },
    File { description: String },
    Invoice { currency: String, items: Vec<InvoiceLine>, notes: String },
}

/// Upper bound for any single text in a body (keeps rows and PDFs sane).
pub const MAX_TEXT: usize = 20_000;

fn text(field: &str, what: &str, s: &str, required: bool) -> Result<(), AppError> {
    if required && s.trim().is_empty() {
        return Err(AppError::invalid(field, format!("Enter {what}.")));
    }
    if s.chars().count() > MAX_TEXT {
        return Err(AppError::invalid(field, format!("{what} is too long (at most {MAX_TEXT} characters).")));
    }
    Ok(())
}

impl DocumentBody {
    /// The SOAP template offered for new notes.
    pub fn soap() -> DocumentBody {
        let s = |t: &str| Section { title: t.into(), text: String::new(), internal: false };
        DocumentBody::Sections { sections: vec![s("Subjective"), s("Objective"), s("Assessment"), s("Plan")] }
    }

    /// Checks that the body fits the kind and that every part is filled in sensibly.
    pub fn validate(&self, kind: DocumentKind) -> Result<(), AppError> {
        let shape_ok = matches!(
            (kind, self),
            (DocumentKind::IntakeForm, DocumentBody::Form { .. })
                | (DocumentKind::ConsentForm, DocumentBody::Consent { .. })
                | (DocumentKind::Letter, DocumentBody::Letter { .. })
                | (DocumentKind::Prescription, DocumentBody::Prescription { .. })
                | (DocumentKind::LabResult | DocumentKind::OtherFile, DocumentBody::File { .. })
                | (DocumentKind::Invoice, DocumentBody::Invoice { .. })
        ) || (kind.has_sections() && matches!(self, DocumentBody::Sections { .. }));
        if !shape_ok {
            return Err(AppError::invalid(
                "body",
                format!("That content does not fit a {}.", kind.label().to_lowercase()),
            ));
        }
        match self {
            DocumentBody::Form { items } => {
                if items.is_empty() {
                    return Err(AppError::invalid("items", "Add at least one question and answer."));
                }
                for (i, it) in items.iter().enumerate() {
                    text(&format!("items.{i}.question"), "the question", &it.question, true)?;
                    text(&format!("items.{i}.answer"), "the answer", &it.answer, false)?;
                }
            }
            DocumentBody::Consent { text: t, signer_name, signed_at } => {
                text("text", "the consent text", t, true)?;
                text("signer_name", "the name of the person who signed", signer_name, true)?;
                chrono::NaiveDate::parse_from_str(signed_at, "%Y-%m-%d")
                    .map_err(|_| AppError::invalid("signed_at", "Enter the date it was signed as year-month-day."))?;
            }
            DocumentBody::Sections { sections } => {
                if sections.is_empty() {
                    return Err(AppError::invalid("sections", "Add at least one section."));
                }
                for (i, s) in sections.iter().enumerate() {
                    text(&format!("sections.{i}.title"), "a section title", &s.title, true)?;
                    text(&format!("sections.{i}.text"), "the section text", &s.text, false)?;
                }
                if sections.iter().all(|s| s.text.trim().is_empty()) {
                    return Err(AppError::invalid("sections", "Write something in at least one section."));
                }
            }
            DocumentBody::Letter { addressee, body } => {
                text("addressee", "who the letter is to", addressee, true)?;
                text("body", "the letter", body, true)?;
            }
            DocumentBody::Prescription { items, notes } => {
                if items.is_empty() {
                    return Err(AppError::invalid("items", "Add at least one medication."));
                }
                for (i, it) in items.iter().enumerate() {
                    text(&format!("items.{i}.medication"), "the medication", &it.medication, true)?;
                    text(&format!("items.{i}.dosage"), "the dosage", &it.dosage, true)?;
                    text(&format!("items.{i}.instructions"), "the instructions", &it.instructions, false)?;
                }
                text("notes", "the notes", notes, false)?;
            }
            DocumentBody::File { description } => text("description", "the description", description, false)?,
            DocumentBody::Invoice { currency, items, notes } => {
                if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_uppercase()) {
                    return Err(AppError::invalid(
                        "currency",
                        "Use a three-letter currency code such as GBP, EUR or USD.",
                    ));
                }
                if items.is_empty() {
                    return Err(AppError::invalid("items", "Add at least one line."));
                }
                for (i, l) in items.iter().enumerate() {
                    text(&format!("items.{i}.description"), "the description", &l.description, true)?;
                    if l.quantity == 0 || l.quantity > 10_000 {
                        return Err(AppError::invalid(
                            &format!("items.{i}.quantity"),
                            "The quantity must be between 1 and 10,000.",
                        ));
                    }
                    if l.unit_cents < 0 || l.unit_cents > 100_000_000 {
                        return Err(AppError::invalid(&format!("items.{i}.unit_cents"), "Check the unit price."));
                    }
                }
                text("notes", "the notes", notes, false)?;
            }
        }
        Ok(())
    }

    /// Invoice total in the smallest currency unit.
    pub fn invoice_total(&self) -> Option<i64> {
        match self {
            DocumentBody::Invoice { items, .. } => Some(items.iter().map(|l| l.quantity as i64 * l.unit_cents).sum()),
            _ => None,
        }
    }

    /// The body as a recipient may see it: internal sections always removed, and for
    /// notes shared with the client only the chosen sections (by index) kept.
    pub fn for_recipient(&self, keep_sections: Option<&[usize]>) -> DocumentBody {
        match self {
            DocumentBody::Sections { sections } => DocumentBody::Sections {
                sections: sections
                    .iter()
                    .enumerate()
                    .filter(|(i, s)| !s.internal && keep_sections.is_none_or(|keep| keep.contains(i)))
                    .map(|(_, s)| s.clone())
                    .collect(),
            },
            other => other.clone(),
        }
    }
}

/// Formats an amount in the smallest unit as `1,234.50`.
/// A range of document dates, either end open: real dates, the first not after the last.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DateRange {
    pub from: Option<chrono::NaiveDate>,
    pub to: Option<chrono::NaiveDate>,
}

impl DateRange {
    /// From the picker's two fields (`YYYY-MM-DD` or `DD/MM/YYYY`; empty = open).
    pub fn parse(from: &str, to: &str) -> Result<Self, AppError> {
        let one = |field: &str, raw: &str| -> Result<Option<chrono::NaiveDate>, AppError> {
            let raw = raw.trim();
            if raw.is_empty() {
                return Ok(None);
            }
            parse_date(raw)
                .map(Some)
                .ok_or_else(|| AppError::invalid(field, "Enter a date like 2026-10-20 or 20/10/2026."))
        };
        let range = DateRange { from: one("from", from)?, to: one("to", to)? };
        if let (Some(f), Some(t)) = (range.from, range.to)
            && f > t
        {
            return Err(AppError::invalid("to", "The end date is before the start date."));
        }
        Ok(range)
    }
}

/// A date as people type it in a search box: `YYYY-MM-DD` or `DD/MM/YYYY`.
pub fn parse_date(raw: &str) -> Option<chrono::NaiveDate> {
    let raw = raw.trim();
    chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .or_else(|_| chrono::NaiveDate::parse_from_str(raw, "%d/%m/%Y"))
        .ok()
}

pub fn format_money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    let whole = (c / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{sign}{grouped}.{:02}", c % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_must_fit_kind() {
        let b = DocumentBody::Letter { addressee: "Dr A".into(), body: "Hello".into() };
        assert!(b.validate(DocumentKind::Letter).is_ok());
        assert!(b.validate(DocumentKind::Invoice).is_err());
        assert!(DocumentBody::soap().validate(DocumentKind::ClientNote).is_err(), "an empty note is refused");
    }

    #[test]
    fn sections_for_recipients_drop_internal_and_unchosen() {
        let b = DocumentBody::Sections {
            sections: vec![
                Section { title: "S".into(), text: "a".into(), internal: false },
                Section { title: "Office".into(), text: "b".into(), internal: true },
                Section { title: "P".into(), text: "c".into(), internal: false },
            ],
        };
        let DocumentBody::Sections { sections } = b.for_recipient(None) else { panic!() };
        assert_eq!(sections.iter().map(|s| s.title.as_str()).collect::<Vec<_>>(), ["S", "P"]);
        let DocumentBody::Sections { sections } = b.for_recipient(Some(&[1, 2])) else { panic!() };
        assert_eq!(
            sections.iter().map(|s| s.title.as_str()).collect::<Vec<_>>(),
            ["P"],
            "internal never, even if chosen"
        );
    }

    #[test]
    fn invoices() {
        let b = DocumentBody::Invoice {
            currency: "GBP".into(),
            items: vec![
                InvoiceLine { description: "Session".into(), quantity: 3, unit_cents: 8_500 },
                InvoiceLine { description: "Report".into(), quantity: 1, unit_cents: 120_050 },
            ],
            notes: String::new(),
        };
        assert!(b.validate(DocumentKind::Invoice).is_ok());
        assert_eq!(b.invoice_total(), Some(145_550));
        assert_eq!(format_money(145_550), "1,455.50");
        assert_eq!(format_money(5), "0.05");
        let bad = DocumentBody::Invoice { currency: "pounds".into(), items: vec![], notes: String::new() };
        assert_eq!(bad.validate(DocumentKind::Invoice).unwrap_err().field(), Some("currency"));
    }

    #[test]
    fn kinds_round_trip_and_map_to_permissions() {
        for k in DocumentKind::ALL {
            assert_eq!(DocumentKind::from_key(k.key()), Some(k));
        }
        assert_eq!(DocumentKind::Invoice.edit_permission(), Permission::EditInvoices);
        assert!(DocumentKind::LabResult.is_file());
    }
}
