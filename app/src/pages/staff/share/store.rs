//! The share wizard's state, one `Copy` store handed to every step, and what the wizard
//! computes from it: the request, each step's checks, moving between steps.
use leptos::prelude::*;

use crate::api::documents::{get_document, list_documents};
use crate::api::sharing::{CheckRecipients, CreateShares};
use crate::domain::documents::{DocumentBody, DocumentKind};
use crate::domain::sharing::{Delivery, Purpose, RecipientDraft, ShareContext, ShareRequest, VerifyMethod};
use crate::dto::{DocumentRow, Page};
use crate::error::AppError;

/// A recipient in the wizard: what will be sent, and how to show it.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Rcpt {
    pub(super) draft: RecipientDraft,
    pub(super) detail: String,
}

/// Every piece of the wizard's state. All fields are `Copy` handles (or plain values), so the
/// store is passed by value to each step.
#[derive(Clone, Copy)]
pub(super) struct Wizard {
    pub(super) ctx: StoredValue<ShareContext>,
    pub(super) step: RwSignal<usize>,
    pub(super) step_error: RwSignal<Option<String>>,
    // Documents.
    pub(super) selected: RwSignal<Vec<DocumentRow>>,
    pub(super) kind: RwSignal<Option<DocumentKind>>,
    pub(super) doc_query: RwSignal<String>,
    pub(super) doc_page: RwSignal<u32>,
    pub(super) doc_dates: RwSignal<(String, String)>,
    pub(super) docs: Resource<Result<Page<DocumentRow>, AppError>>,
    /// Bodies of the chosen documents, for sections and the preview.
    pub(super) bodies: Resource<Vec<(DocumentRow, DocumentBody)>>,
    // Recipients.
    pub(super) recipients: RwSignal<Vec<Rcpt>>,
    // Details.
    pub(super) today: chrono::NaiveDate,
    pub(super) max_days: u32,
    pub(super) expires: RwSignal<String>,
    pub(super) delivery: RwSignal<Delivery>,
    pub(super) purpose: RwSignal<Purpose>,
    pub(super) purpose_text: RwSignal<String>,
    pub(super) message: RwSignal<String>,
    pub(super) authorisation: RwSignal<String>,
    // Review and send.
    pub(super) confirmed: RwSignal<bool>,
    pub(super) notify: RwSignal<bool>,
    pub(super) check: ServerAction<CheckRecipients>,
    /// The server's check of the recipients on leaving their step; `vetting_for` is the step to go to then.
    pub(super) vet: ServerAction<CheckRecipients>,
    pub(super) vetting_for: RwSignal<Option<usize>>,
    pub(super) send: ServerAction<CreateShares>,
    /// The preview is popped out (a large dialog).
    pub(super) popped: RwSignal<bool>,
}

impl Wizard {
    /// Sets the wizard up for the client of `ctx`; `preselect` is the `?doc=` query, ids to
    /// choose up front (only the client's own documents are taken).
    pub(super) fn new(ctx: ShareContext, preselect: Option<String>) -> Self {
        let preselect: Vec<String> = preselect
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .take(50)
            .map(str::to_owned)
            .collect();
        let ctx = StoredValue::new(ctx);
        let client_id = ctx.with_value(|c| c.client_id.clone());
        let step = RwSignal::new(0usize);
        let step_error = RwSignal::new(None::<String>);
        // Documents.
        let selected = RwSignal::new(Vec::<DocumentRow>::new());
        let kind = RwSignal::new(None::<DocumentKind>);
        let doc_query = RwSignal::new(String::new());
        let doc_page = RwSignal::new(0u32);
        let doc_dates = RwSignal::new((String::new(), String::new()));
        let docs = Resource::new(
            {
                let client_id = client_id.clone();
                move || (client_id.clone(), kind.get(), doc_query.get(), doc_dates.get(), doc_page.get())
            },
            |(c, k, q, (from, to), p)| list_documents(c, k, q, from, to, p),
        );
        if !preselect.is_empty() {
            let client = client_id.clone();
            leptos::task::spawn_local(async move {
                for id in preselect {
                    // Only this client's documents (a document of another client is skipped).
                    if let Ok(v) = get_document(id).await
                        && v.row.client_id == client
                    {
                        selected.update(|s| {
                            if !s.iter().any(|d| d.id == v.row.id) {
                                s.push(v.row)
                            }
                        });
                    }
                }
            });
        }
        // Bodies of the chosen documents, for sections and the preview.
        let bodies = Resource::new(
            move || selected.with(|s| s.iter().map(|d| d.id.clone()).collect::<Vec<_>>()),
            |ids| async move {
                let mut out = Vec::new();
                for id in ids {
                    if let Ok(v) = get_document(id).await {
                        out.push((v.row, v.body));
                    }
                }
                out
            },
        );
        // Recipients.
        let recipients = RwSignal::new(Vec::<Rcpt>::new());
        // Details.
        let today = ctx.with_value(|c| chrono::NaiveDate::parse_from_str(&c.today, "%Y-%m-%d").unwrap_or_default());
        let max_days = ctx.with_value(|c| c.max_expiry_days);
        let default_days = max_days.min(crate::domain::sharing::DEFAULT_EXPIRY_DAYS);
        let expires =
            RwSignal::new((today + chrono::Duration::days(i64::from(default_days))).format("%Y-%m-%d").to_string());
        let delivery = RwSignal::new(Delivery::Link);
        let purpose = RwSignal::new(Purpose::Treatment);
        let purpose_text = RwSignal::new(String::new());
        let message = RwSignal::new(String::new());
        let authorisation = RwSignal::new(String::new());
        let confirmed = RwSignal::new(false);
        let notify = RwSignal::new(false);
        let check = ServerAction::<CheckRecipients>::new();
        // Leaving the recipients step asks the server to check each recipient with its own
        // rules (address, phone number, method), so a wrong number is named there, not at Send.
        let vet = ServerAction::<CheckRecipients>::new();
        let vetting_for = RwSignal::new(None::<usize>);
        let send = ServerAction::<CreateShares>::new();
        let popped = RwSignal::new(false);
        Self {
            ctx,
            step,
            step_error,
            selected,
            kind,
            doc_query,
            doc_page,
            doc_dates,
            docs,
            bodies,
            recipients,
            today,
            max_days,
            expires,
            delivery,
            purpose,
            purpose_text,
            message,
            authorisation,
            confirmed,
            notify,
            check,
            vet,
            vetting_for,
            send,
            popped,
        }
    }

    /// The request as the wizard stands (read untracked).
    pub(super) fn build(&self) -> ShareRequest {
        ShareRequest {
            client_id: self.ctx.with_value(|c| c.client_id.clone()),
            document_ids: self.selected.with_untracked(|s| s.iter().map(|d| d.id.clone()).collect()),
            recipients: self.recipients.with_untracked(|r| r.iter().map(|r| r.draft.clone()).collect()),
            delivery: self.delivery.get_untracked(),
            expires_on: self.expires.get_untracked(),
            purpose: self.purpose.get_untracked(),
            purpose_text: self.purpose_text.get_untracked(),
            message: self.message.get_untracked(),
            psychotherapy_authorisation: self.authorisation.get_untracked(),
            confirmed_warnings: self.confirmed.get_untracked(),
            notify_on_open: self.notify.get_untracked(),
        }
    }

    /// Checks step `s` before the wizard moves on from it.
    fn validate(&self, s: usize) -> Result<(), String> {
        match s {
            0 => self.build().check_documents().map(|_| ()).map_err(|e| e.to_string()),
            1 => {
                let rs = self.recipients.get_untracked();
                if rs.is_empty() {
                    return Err("Add at least one recipient.".into());
                }
                for r in &rs {
                    let d = &r.draft;
                    if crate::components::check_email(&d.email).is_some() {
                        return Err(format!("{}: enter an email address like name@example.com.", d.name));
                    }
                    if self.delivery.get_untracked() == Delivery::Attachment {
                        continue;
                    }
                    if d.method.needs_phone() && d.phone.trim().is_empty() {
                        return Err(format!("{}: add a mobile number for the code, or choose another method.", d.name));
                    }
                    if d.method == VerifyMethod::Passcode && d.passcode.chars().count() < 10 {
                        return Err(format!("{}: the passcode needs at least 10 characters.", d.name));
                    }
                }
                Ok(())
            }
            2 => {
                let psychotherapy = self.selected.with_untracked(|s| s.iter().any(|d| d.is_psychotherapy));
                self.build()
                    .check_details(self.today, self.max_days, psychotherapy)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
            _ => Ok(()),
        }
    }

    /// Shows step `to`; arriving at the review asks the server to check the recipients.
    pub(super) fn arrive(&self, to: usize) {
        self.step_error.set(None);
        if to == 3 {
            self.confirmed.set(false);
            self.check.dispatch(CheckRecipients { request: self.build() });
        }
        self.step.set(to);
    }

    /// Goes to step `to`. Forwards, every step passed must be valid, and leaving the
    /// recipients step waits for the server's check of them (`vet`, then `arrive`).
    pub(super) fn go(&self, to: usize) {
        let from = self.step.get_untracked();
        if to > from {
            for s in from..to {
                if let Err(e) = self.validate(s) {
                    self.step_error.set(Some(e));
                    return;
                }
            }
            if from <= 1 && to > 1 {
                self.step_error.set(None);
                self.vetting_for.set(Some(to));
                self.vet.dispatch(CheckRecipients { request: self.build() });
                return;
            }
        }
        self.arrive(to);
    }
}
