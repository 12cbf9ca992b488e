//! `dossier demo-data`: fills a practice with realistic, obviously fake data so a newcomer
//! can try everything: practitioners and a secretary with known demo passwords (printed
//! once), ~50 clients with relationships and emergency contacts, ~30 contacts, and
//! documents of every kind. Refuses to touch a practice that already has clients.
use app::domain::{
    documents::{DocumentBody, DocumentKind, FormItem, InvoiceLine, PrescriptionItem, Section},
    records::{AccessMode, ClientContactKind, search_key},
};
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::{
    platform::crypto,
    platform::entities::{client, client_contact, contact, document_file, practice, role, staff, staff::StaffStatus},
    state::AppState,
};

const FIRST: [&str; 20] = [
    "Amelia", "Noah", "Olivia", "Liam", "Isla", "Arthur", "Maya", "Leo", "Freya", "Oscar", "Ava", "Theo", "Grace",
    "Jack", "Ivy", "Finn", "Rosa", "Ethan", "Zara", "Hugo",
];
const LAST: [&str; 20] = [
    "Thompson",
    "Okafor",
    "Nguyen",
    "Murphy",
    "Kowalski",
    "Haddad",
    "Fischer",
    "Rossi",
    "Silva",
    "Patel",
    "Jensen",
    "Dubois",
    "Khan",
    "Novak",
    "Lindqvist",
    "Moreau",
    "Byrne",
    "Sato",
    "Mendes",
    "Walsh",
];
/// A fresh password for this run's demo accounts: never a constant, so a forgotten demo
/// installation cannot be entered with a password from the documentation.
/// A fresh password for the demo accounts, shown once.
pub fn demo_password() -> String {
    format!("demo-{}", &crate::platform::crypto::random_token()[..16])
}

/// Who was created, for the one-time printout.
#[derive(Debug)]
pub struct DemoReport {
    pub practice: String,
    pub accounts: Vec<(String, String, String)>,
    pub clients: usize,
    pub contacts: usize,
    pub documents: usize,
}

async fn ensure_staff(
    s: &AppState,
    practice_id: &str,
    role_name: &str,
    name: &str,
    email: &str,
    password: &str,
) -> Result<staff::Model, String> {
    let r = role::Entity::find()
        .filter(role::Column::PracticeId.eq(practice_id))
        .filter(role::Column::Name.eq(role_name))
        .one(&s.db)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("built-in role missing")?;
    let now = Utc::now();
    let hash = s.hasher.hash(password).await;
    staff::ActiveModel::new_account(practice_id, email, name, &r.id, StaffStatus::Active, Some(hash), now)
        .insert(&s.db)
        .await
        .map_err(|e| format!("cannot create {email}: {e}"))
}

fn documents_for(first: &str, last: &str, i: usize) -> Vec<(DocumentKind, String, DocumentBody, bool)> {
    let sec = |t: &str, x: &str, internal: bool| Section { title: t.into(), text: x.into(), internal };
    vec![
        (
            DocumentKind::IntakeForm,
            "Intake form".into(),
            DocumentBody::Form {
                items: vec![
                    FormItem {
                        question: "What brings you here?".into(),
                        answer: "Trouble sleeping and worry about work.".into(),
                    },
                    FormItem {
                        question: "Current medication".into(),
                        answer: if i.is_multiple_of(2) { "None".into() } else { "Sertraline 50 mg".into() },
                    },
                ],
            },
            false,
        ),
        (
            DocumentKind::ConsentForm,
            "Consent to treatment".into(),
            DocumentBody::Consent {
                text: "I consent to assessment and treatment and understand how my records are kept and shared.".into(),
                signer_name: format!("{first} {last}"),
                signed_at: "2026-10-01".into(),
            },
            false,
        ),
        (
            DocumentKind::ConsultationNote,
            "Session 3".into(),
            DocumentBody::Sections {
                sections: vec![
                    sec("Subjective", "Reports better sleep since starting the wind-down routine.", false),
                    sec("Objective", "Calm, engaged, good eye contact.", false),
                    sec("Assessment", "Progressing well against goals.", false),
                    sec("Plan", "Continue weekly; review in four weeks.", false),
                    sec("Office use only", "Invoice monthly.", true),
                ],
            },
            i.is_multiple_of(5),
        ),
        (
            DocumentKind::TreatmentPlan,
            "Treatment plan".into(),
            DocumentBody::Sections {
                sections: vec![sec("Goals", "Sleep seven hours; return to full-time work.", false)],
            },
            false,
        ),
        (
            DocumentKind::Letter,
            "Letter to GP".into(),
            DocumentBody::Letter {
                addressee: "Dr Gail Green, Harbour GP".into(),
                body: format!("Dear Dr Green,\n\nI am seeing {first} {last} for weekly sessions.\n\nKind regards"),
            },
            false,
        ),
        (
            DocumentKind::Prescription,
            "Prescription".into(),
            DocumentBody::Prescription {
                items: vec![PrescriptionItem {
                    medication: "Melatonin".into(),
                    dosage: "2 mg".into(),
                    instructions: "One hour before bed".into(),
                }],
                notes: String::new(),
            },
            false,
        ),
        (
            DocumentKind::Invoice,
            format!("Invoice {}", 1000 + i),
            DocumentBody::Invoice {
                currency: "GBP".into(),
                items: vec![InvoiceLine { description: "Therapy session".into(), quantity: 4, unit_cents: 8_500 }],
                notes: "Payable within 30 days.".into(),
            },
            false,
        ),
    ]
}

/// Seeds the (only) practice, which must have no clients yet; every demo account gets
/// `password`. Errors are one line. The practice itself comes from identity (the first-run
/// page, or the CLI's demo-data command when there is none), so seeding depends on no area.
pub async fn seed(s: &AppState, password: &str) -> Result<DemoReport, String> {
    let db = &s.db;
    let password = password.to_owned();
    let mut accounts = Vec::new();
    let Some(p) = practice::Entity::find().one(db).await.map_err(|e| e.to_string())? else {
        return Err("there is no practice yet: set one up first (the first-run page or create-practice)".into());
    };
    if client::Entity::find()
        .filter(client::Column::PracticeId.eq(p.id.clone()))
        .count(db)
        .await
        .map_err(|e| e.to_string())?
        > 0
    {
        return Err(format!(
            "the practice {:?} already has clients: demo data is only added to an empty practice",
            p.name
        ));
    }
    let mut practitioners = Vec::new();
    for (name, email) in [("Anna Byrne", "anna"), ("Ben Okafor", "ben"), ("Carla Rossi", "carla")] {
        let st = ensure_staff(s, &p.id, "Practitioner", name, &format!("{email}@demo.dossier.test"), &password).await?;
        accounts.push(("Practitioner".into(), st.email.clone(), password.clone()));
        practitioners.push(st);
    }
    let sec = ensure_staff(s, &p.id, "Secretary", "Sam Walsh", "sam@demo.dossier.test", &password).await?;
    accounts.push(("Secretary".into(), sec.email.clone(), password.clone()));

    let now = Utc::now();
    let kinds = ["insurer", "gp", "specialist", "lawyer", "school", "other"];
    for i in 0..30 {
        let name = format!("{} {}", ["Dr", "Ms", "Mr"][i % 3], LAST[(i * 7) % 20]);
        let org = format!(
            "{} {}",
            ["Harbour", "Northside", "Riverside", "Parkview", "Westfield"][i % 5],
            ["Insurance", "GP Surgery", "Clinic", "Law", "School", "Trust"][i % 6]
        );
        let email = format!("contact{i}@example.org");
        contact::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            practice_id: Set(p.id.clone()),
            search_key: Set(search_key(&[&name, &org, &email])),
            name: Set(name),
            organisation: Set(Some(org)),
            kind: Set(kinds[i % 6].into()),
            email: Set(Some(email)),
            phone_e164: Set(Some(format!("+4420794600{:02}", i))),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(db)
        .await
        .map_err(|e| e.to_string())?;
    }

    let mut documents = 0;
    for i in 0..50 {
        let (first, last) = (FIRST[i % 20], LAST[(i * 3 + i / 20) % 20]);
        let owner = &practitioners[i % practitioners.len()];
        let mode = [AccessMode::OwnerOnly, AccessMode::OwnerOnly, AccessMode::AllPractitioners][i % 3];
        let email = format!("{}.{}{}@example.com", first.to_lowercase(), last.to_lowercase(), i);
        let mobile = format!("+4474001{:05}", 10_000 + i);
        let c = client::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            practice_id: Set(p.id.clone()),
            owner_id: Set(owner.id.clone()),
            access_mode: Set(mode.key().into()),
            first_name: Set(first.into()),
            last_name: Set(last.into()),
            date_of_birth: Set(format!("{}-{:02}-{:02}", 1950 + (i * 7) % 55, 1 + i % 12, 1 + (i * 3) % 28)),
            search_key: Set(search_key(&[first, last, &email, &mobile])),
            email: Set(Some(email)),
            mobile_e164: Set(Some(mobile)),
            archived_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(db)
        .await
        .map_err(|e| e.to_string())?;
        for (kind, name, rel) in [
            (ClientContactKind::Emergency.key(), format!("{} {last}", FIRST[(i + 5) % 20]), "Partner"),
            (ClientContactKind::Relationship.key(), format!("{} {last}", FIRST[(i + 9) % 20]), "Parent"),
        ] {
            client_contact::ActiveModel {
                id: Set(uuid::Uuid::now_v7().to_string()),
                practice_id: Set(p.id.clone()),
                client_id: Set(c.id.clone()),
                kind: Set(kind.into()),
                name: Set(name),
                relationship: Set(rel.into()),
                email: Set(None),
                phone_e164: Set(Some(format!("+4474002{:05}", 10_000 + i))),
                created_at: Set(now),
            }
            .insert(db)
            .await
            .map_err(|e| e.to_string())?;
        }
        if i < 12 {
            let txn = crate::platform::db::begin_write(db).await.map_err(|e| e.to_string())?;
            for (kind, title, body, psycho) in documents_for(first, last, i) {
                let id = uuid::Uuid::now_v7().to_string();
                crate::platform::vault::insert_document(
                    &txn,
                    &s.keys,
                    &owner.id,
                    &c,
                    &id,
                    kind,
                    &title,
                    "2026-11-02",
                    psycho,
                    &body,
                    &crypto::new_data_key(),
                )
                .await
                .map_err(|e| e.to_string())?;
                documents += 1;
            }
            // A lab result as a real PDF file.
            let id = uuid::Uuid::now_v7().to_string();
            let dek = crypto::new_data_key();
            let body = DocumentBody::File { description: "Full blood count: all values within range.".into() };
            crate::platform::vault::insert_document(
                &txn,
                &s.keys,
                &owner.id,
                &c,
                &id,
                DocumentKind::LabResult,
                "Blood panel",
                "2026-10-20",
                false,
                &body,
                &dek,
            )
            .await
            .map_err(|e| e.to_string())?;
            let client_name = format!("{first} {last}");
            let pdf = crate::platform::pdf::render(
                &crate::platform::pdf::PdfMeta {
                    practice: "Northside Laboratory",
                    title: "Blood panel",
                    kind: DocumentKind::LabResult,
                    client_name: &client_name,
                    date: "2026-10-20",
                    author: "Northside Laboratory",
                    watermark: None,
                },
                &body,
            )?;
            document_file::ActiveModel {
                document_id: Set(id.clone()),
                practice_id: Set(p.id.clone()),
                media_type: Set("application/pdf".into()),
                file_name: Set("blood-panel.pdf".into()),
                size_bytes: Set(pdf.len() as i64),
                ciphertext: Set(crypto::seal_bytes_with(&dek, &pdf, &crate::platform::vault::file_aad(&id))),
            }
            .insert(&txn)
            .await
            .map_err(|e| e.to_string())?;
            documents += 1;
            txn.commit().await.map_err(|e| e.to_string())?;
        }
    }
    Ok(DemoReport { practice: p.name, accounts, clients: 50, contacts: 30, documents })
}
