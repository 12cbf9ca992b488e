//! Public intake forms: the practice's questions, how a submission picks its owner, and
//! the validation of a submission's answers (every error at once, named by field).
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::error::AppError;

/// The kinds of question a practice can ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum QuestionKind {
    Text,
    LongText,
    Choice,
    Date,
    YesNo,
}

impl QuestionKind {
    pub const ALL: [QuestionKind; 5] =
        [QuestionKind::Text, QuestionKind::LongText, QuestionKind::Choice, QuestionKind::Date, QuestionKind::YesNo];

    pub fn key(self) -> &'static str {
        match self {
            QuestionKind::Text => "text",
            QuestionKind::LongText => "long_text",
            QuestionKind::Choice => "choice",
            QuestionKind::Date => "date",
            QuestionKind::YesNo => "yes_no",
        }
    }

    pub fn from_key(k: &str) -> Option<Self> {
        QuestionKind::ALL.into_iter().find(|q| q.key() == k)
    }

    pub fn label(self) -> &'static str {
        match self {
            QuestionKind::Text => "Short text",
            QuestionKind::LongText => "Long text",
            QuestionKind::Choice => "Choice",
            QuestionKind::Date => "Date",
            QuestionKind::YesNo => "Yes / no",
        }
    }

    /// Longest accepted answer, in characters.
    fn max_len(self) -> usize {
        match self {
            QuestionKind::LongText => 5000,
            _ => 300,
        }
    }
}

/// One question of the practice's form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Question {
    /// Stable id (`q1`, `q2`…): the form field name and the routing rules' reference.
    pub id: String,
    pub label: String,
    pub kind: QuestionKind,
    pub required: bool,
    /// Choices, for `Choice` questions.
    #[serde(default)]
    pub options: Vec<String>,
}

impl Question {
    pub fn new(id: &str, label: &str, kind: QuestionKind, required: bool, options: &[&str]) -> Question {
        Question {
            id: id.into(),
            label: label.into(),
            kind,
            required,
            options: options.iter().map(|o| o.to_string()).collect(),
        }
    }
}

/// On the general form: which practitioner a submission goes to, by the answer to one
/// choice question; anything unmatched goes to the default owner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Routing {
    pub question_id: Option<String>,
    /// Choice text → staff id.
    pub rules: BTreeMap<String, String>,
}

/// The practice's intake form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntakeForm {
    pub enabled: bool,
    pub title: String,
    pub intro: String,
    pub questions: Vec<Question>,
    pub routing: Routing,
    /// Owner of general-form submissions no rule matches. `None`: the first admin.
    pub default_owner_id: Option<String>,
}

pub const MAX_QUESTIONS: usize = 40;
pub const MAX_OPTIONS: usize = 30;

impl IntakeForm {
    /// A sensible starting form for a new practice (disabled until an admin turns it on).
    pub fn starter() -> IntakeForm {
        let q = Question::new;
        IntakeForm {
            enabled: false,
            title: "New client intake".into(),
            intro: "Please tell us a little about yourself before your first appointment. Your answers go only to the practice.".into(),
            questions: vec![
                q("q1", "What would you like help with?", QuestionKind::LongText, true, &[]),
                q("q2", "Have you had therapy or counselling before?", QuestionKind::YesNo, false, &[]),
                q("q3", "Are you taking any medication?", QuestionKind::Text, false, &[]),
                q("q4", "How did you hear about us?", QuestionKind::Choice, false, &["Doctor referral", "Friend or family", "Search engine", "Other"]),
            ],
            routing: Routing::default(),
            default_owner_id: None,
        }
    }

    /// Checks a form an admin saves; the first problem is named.
    pub fn validate(&mut self) -> Result<(), AppError> {
        self.title = self.title.split_whitespace().collect::<Vec<_>>().join(" ");
        if self.title.is_empty() || self.title.chars().count() > 120 {
            return Err(AppError::invalid("title", "Enter a form title of up to 120 characters."));
        }
        self.intro = self.intro.trim().to_owned();
        if self.intro.chars().count() > 2000 {
            return Err(AppError::invalid("intro", "Keep the introduction under 2,000 characters."));
        }
        if self.questions.len() > MAX_QUESTIONS {
            return Err(AppError::invalid("questions", format!("A form can have at most {MAX_QUESTIONS} questions.")));
        }
        let mut ids = std::collections::BTreeSet::new();
        for (i, q) in self.questions.iter_mut().enumerate() {
            let n = i + 1;
            q.label = q.label.split_whitespace().collect::<Vec<_>>().join(" ");
            if q.label.is_empty() || q.label.chars().count() > 300 {
                return Err(AppError::invalid(
                    &format!("question_{n}"),
                    format!("Question {n}: enter the question, up to 300 characters."),
                ));
            }
            let valid_id = q.id.len() <= 8
                && q.id.starts_with('q')
                && q.id.len() > 1
                && q.id[1..].chars().all(|c| c.is_ascii_digit());
            if !valid_id || !ids.insert(q.id.clone()) {
                return Err(AppError::invalid(&format!("question_{n}"), format!("Question {n} has an invalid id.")));
            }
            q.options = q.options.iter().map(|o| o.trim().to_owned()).filter(|o| !o.is_empty()).collect();
            if q.kind == QuestionKind::Choice {
                let mut seen = std::collections::BTreeSet::new();
                if q.options.len() < 2 || q.options.len() > MAX_OPTIONS {
                    return Err(AppError::invalid(
                        &format!("question_{n}"),
                        format!("Question {n}: a choice needs between 2 and {MAX_OPTIONS} options."),
                    ));
                }
                if let Some(dup) = q.options.iter().find(|o| !seen.insert(o.to_lowercase())) {
                    return Err(AppError::invalid(
                        &format!("question_{n}"),
                        format!("Question {n}: the option \"{dup}\" appears twice."),
                    ));
                }
                if q.options.iter().any(|o| o.chars().count() > 120) {
                    return Err(AppError::invalid(
                        &format!("question_{n}"),
                        format!("Question {n}: keep each option under 120 characters."),
                    ));
                }
            } else {
                q.options.clear();
            }
        }
        if let Some(qid) = &self.routing.question_id {
            let Some(q) = self.questions.iter().find(|q| &q.id == qid) else {
                return Err(AppError::invalid("routing", "The routing question no longer exists: choose another."));
            };
            if q.kind != QuestionKind::Choice {
                return Err(AppError::invalid("routing", "Route by a choice question."));
            }
            if let Some(bad) = self.routing.rules.keys().find(|k| !q.options.contains(k)) {
                return Err(AppError::invalid(
                    "routing",
                    format!("\"{bad}\" is not an option of the routing question any more."),
                ));
            }
        } else {
            self.routing.rules.clear();
        }
        Ok(())
    }
}

/// The id the next added question gets.
pub fn next_question_id(questions: &[Question]) -> String {
    let max = questions.iter().filter_map(|q| q.id.get(1..)?.parse::<u32>().ok()).max().unwrap_or(0);
    format!("q{}", max + 1)
}

/// The built-in identity fields every intake form starts with.
pub const IDENTITY_FIELDS: [(&str, &str); 5] = [
    ("first_name", "First name"),
    ("last_name", "Last name"),
    ("date_of_birth", "Date of birth"),
    ("email", "Email address"),
    ("mobile", "Mobile phone"),
];

/// Validates the answers to `form`'s own questions (identity fields are parsed by the
/// caller with the client rules). Returns the question/answer pairs for the intake
/// document, or every error keyed by field name.
pub fn validate_answers(
    form: &IntakeForm,
    raw: &BTreeMap<String, String>,
) -> Result<Vec<(String, String)>, BTreeMap<String, String>> {
    let mut errors = BTreeMap::new();
    let mut out = Vec::new();
    for q in &form.questions {
        let value = raw.get(&q.id).map(|v| v.trim()).unwrap_or("");
        if value.is_empty() {
            if q.required {
                let msg = match q.kind {
                    QuestionKind::Choice | QuestionKind::YesNo => "Choose an answer.",
                    _ => "Answer this question.",
                };
                errors.insert(q.id.clone(), msg.to_owned());
            }
            continue;
        }
        if value.chars().count() > q.kind.max_len() {
            errors.insert(q.id.clone(), format!("Keep this answer under {} characters.", q.kind.max_len()));
            continue;
        }
        let answer = match q.kind {
            QuestionKind::Text | QuestionKind::LongText => Ok(value.to_owned()),
            QuestionKind::Choice => {
                q.options.iter().find(|o| o.as_str() == value).cloned().ok_or("Choose one of the options.")
            }
            QuestionKind::YesNo => match value {
                "yes" => Ok("Yes".to_owned()),
                "no" => Ok("No".to_owned()),
                _ => Err("Choose yes or no."),
            },
            QuestionKind::Date => chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
                .map(|d| d.format("%Y-%m-%d").to_string())
                .map_err(|_| "Enter the date as year-month-day, for example 2026-03-14."),
        };
        match answer {
            Ok(a) => out.push((q.label.clone(), a)),
            Err(m) => {
                errors.insert(q.id.clone(), m.to_owned());
            }
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

/// Who owns a submission: the practitioner of a personal link; on the general link, the
/// routing rule for the answer, else the default owner. `None` means "the first admin".
pub fn route_owner(form: &IntakeForm, link_owner: Option<&str>, raw: &BTreeMap<String, String>) -> Option<String> {
    if let Some(o) = link_owner {
        return Some(o.to_owned());
    }
    form.routing
        .question_id
        .as_ref()
        .and_then(|qid| raw.get(qid))
        .and_then(|answer| form.routing.rules.get(answer.trim()))
        .cloned()
        .or_else(|| form.default_owner_id.clone())
}

/// A submission as staff see it in their intake inbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubmissionRow {
    pub id: String,
    pub received_at: String,
    pub client_id: String,
    pub client_name: String,
    pub owner_name: String,
    /// "Dr Ada Lovelace's form" or "General form".
    pub via: String,
    /// `new`, `attached` or `separate`.
    pub status: String,
    /// An existing client the submission may belong to (only if the viewer may see it).
    pub possible_match: Option<MatchRef>,
    pub document_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchRef {
    pub client_id: String,
    pub name: String,
    pub date_of_birth: String,
}

/// The settings page's view: the form, the public links and the practitioners.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntakeSettings {
    pub form: IntakeForm,
    /// The public address links are shown under (`https://dossier.example.org`).
    pub base_url: String,
    /// General link path (`/intake/<slug>`).
    pub general_link: String,
    /// (staff id, name, path) for each practitioner.
    pub practitioner_links: Vec<(String, String, String)>,
    /// (staff id, name) of everyone who can own clients.
    pub owners: Vec<(String, String)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> IntakeForm {
        let mut f = IntakeForm::starter();
        f.questions.push(Question {
            id: "q5".into(),
            label: "Which practitioner would you like to see?".into(),
            kind: QuestionKind::Choice,
            required: false,
            options: vec!["Dr Ada".into(), "Dr Bo".into(), "No preference".into()],
        });
        f.questions.push(Question {
            id: "q6".into(),
            label: "Preferred start date".into(),
            kind: QuestionKind::Date,
            required: false,
            options: vec![],
        });
        f.routing.question_id = Some("q5".into());
        f.routing.rules.insert("Dr Ada".into(), "staff-ada".into());
        f.routing.rules.insert("Dr Bo".into(), "staff-bo".into());
        f.default_owner_id = Some("staff-admin".into());
        f
    }

    fn answers(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn every_error_is_reported_at_once() {
        let f = form();
        let errs = validate_answers(&f, &answers(&[("q2", "maybe"), ("q4", "Carrier pigeon"), ("q6", "14/03/2026")]))
            .unwrap_err();
        assert_eq!(errs["q1"], "Answer this question.");
        assert_eq!(errs["q2"], "Choose yes or no.");
        assert_eq!(errs["q4"], "Choose one of the options.");
        assert!(errs["q6"].contains("year-month-day"));
        assert_eq!(errs.len(), 4);
    }

    #[test]
    fn valid_answers_become_question_answer_pairs() {
        let f = form();
        let ok = validate_answers(&f, &answers(&[("q1", "  Sleep  "), ("q2", "no"), ("q6", "2026-03-14"), ("x", "y")]))
            .unwrap();
        assert_eq!(
            ok,
            vec![
                ("What would you like help with?".to_string(), "Sleep".to_string()),
                ("Have you had therapy or counselling before?".to_string(), "No".to_string()),
                ("Preferred start date".to_string(), "2026-03-14".to_string()),
            ]
        );
        let long = "x".repeat(301);
        assert!(validate_answers(&f, &answers(&[("q1", "a"), ("q3", &long)])).unwrap_err()["q3"].contains("300"));
    }

    #[test]
    fn routing_picks_the_owner() {
        let f = form();
        assert_eq!(route_owner(&f, Some("staff-x"), &answers(&[("q5", "Dr Bo")])).as_deref(), Some("staff-x"));
        assert_eq!(route_owner(&f, None, &answers(&[("q5", "Dr Bo")])).as_deref(), Some("staff-bo"));
        assert_eq!(route_owner(&f, None, &answers(&[("q5", "No preference")])).as_deref(), Some("staff-admin"));
        assert_eq!(route_owner(&f, None, &answers(&[])).as_deref(), Some("staff-admin"));
    }

    #[test]
    fn saving_a_form_checks_questions_and_routing() {
        let mut f = form();
        assert!(f.validate().is_ok());
        let mut bad = f.clone();
        bad.questions[4].options = vec!["Only one".into()];
        assert!(bad.validate().unwrap_err().to_string().contains("between 2"));
        let mut bad = f.clone();
        bad.routing.question_id = Some("q1".into());
        assert!(bad.validate().unwrap_err().to_string().contains("choice question"));
        let mut bad = f.clone();
        bad.routing.rules.insert("Dr Zed".into(), "s".into());
        assert!(bad.validate().unwrap_err().to_string().contains("Dr Zed"));
        let mut bad = f.clone();
        bad.questions[1].id = "q1".into();
        assert!(bad.validate().is_err());
        let mut bad = f.clone();
        bad.questions[0].label = "  ".into();
        assert!(bad.validate().unwrap_err().to_string().contains("Question 1"));
        f.routing.question_id = None;
        f.validate().unwrap();
        assert!(f.routing.rules.is_empty());
        assert_eq!(next_question_id(&f.questions), "q7");
    }
}
