//! Public intake forms (implements `app::ports::IntakePort`, and serves the public pages).
//!
//! A practice has one form; it is published at a general link and at one personal link per
//! staff member (`/intake/<random id>`, so practices cannot be enumerated). A submission
//! creates a new client, owned by the link's practitioner (general link: the routing rule
//! for the chosen answer, else the default owner, else the first admin), with the answers
//! as an encrypted intake-form document. If an existing client has the same email, or the
//! same name and date of birth, the submission is flagged and staff decide whether to
//! attach it to that client: nothing is merged without them, and the public page never
//! reveals whether a match exists. Submissions are rate-limited per client network, a
//! honeypot field drops form-filling bots, and every submission is audited.
use app::{
    domain::{
        DisplayName, EmailAddress,
        documents::{DocumentBody, DocumentKind, FormItem},
        inputs::ClientInput,
        intake::{IntakeForm, IntakeSettings, MatchRef, SubmissionRow, route_owner, validate_answers},
        records::{DateOfBirth, PhoneNumber},
    },
    dto::{PAGE_SIZE, Page},
    error::AppError,
    pages::intake::{IntakeBusyPage, IntakePage, IntakePageData, IntakeThanksPage},
    pages::portal::render_document,
    ports::{IntakePort, StaffPrincipal},
};
use async_trait::async_trait;
use axum::{
    extract::{Form, Path, State},
    http::StatusCode,
    response::{Html, IntoResponse, Response},
};
use chrono::{Duration, Utc};
use leptos::prelude::*;
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, sea_query::Query,
};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};

use crate::{
    platform::audit::{self, Actor},
    platform::crypto,
    platform::entities::{
        client, document, intake_form, intake_link, intake_submission, intake_submission::SubmissionStatus, practice,
        role, staff, staff::StaffStatus,
    },
    platform::error::{ServerError, boundary},
    platform::throttle,
    platform::vault::insert_document,
    records::access::visible_to,
    state::AppState,
    state::Services,
    web::caller::Caller,
    web::caller::current_origin,
};

/// Submissions accepted per client network (IPv4 address or IPv6 /64) per hour.
pub const PER_NETWORK_PER_HOUR: u32 = 20;

/// The practice's form, or the starter form if none was saved yet.
pub async fn load_form<C: ConnectionTrait>(db: &C, practice_id: &str) -> Result<IntakeForm, ServerError> {
    let row = intake_form::Entity::find_by_id(practice_id.to_owned()).one(db).await?;
    Ok(match row {
        Some(r) => serde_json::from_str(&r.definition)?,
        None => IntakeForm::starter(),
    })
}

/// The general link and one per active staff member, created on first use.
async fn ensure_links<C: ConnectionTrait>(
    db: &C,
    practice_id: &str,
) -> Result<(intake_link::Model, Vec<(staff::Model, intake_link::Model)>), ServerError> {
    let mut links = intake_link::Entity::find()
        .filter(intake_link::Column::PracticeId.eq(practice_id))
        .order_by_asc(intake_link::Column::CreatedAt)
        .all(db)
        .await?;
    let people = staff::Entity::find()
        .filter(staff::Column::PracticeId.eq(practice_id))
        .filter(staff::Column::Status.eq(StaffStatus::Active))
        .order_by_asc(staff::Column::DisplayName)
        .all(db)
        .await?;
    let mut wanted: Vec<Option<String>> = vec![None];
    wanted.extend(people.iter().map(|p| Some(p.id.clone())));
    for w in wanted {
        if !links.iter().any(|l| l.staff_id == w) {
            let link = intake_link::ActiveModel {
                id: Set(crypto::random_token()[..16].to_owned()),
                practice_id: Set(practice_id.to_owned()),
                staff_id: Set(w),
                created_at: Set(Utc::now()),
            };
            match link.insert(db).await {
                Ok(l) => links.push(l),
                // Another instance created it at the same moment: use theirs.
                Err(e) if crate::platform::db::is_unique_violation(&e) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    let links = intake_link::Entity::find()
        .filter(intake_link::Column::PracticeId.eq(practice_id))
        .order_by_asc(intake_link::Column::CreatedAt)
        .all(db)
        .await?;
    let general =
        links.iter().find(|l| l.staff_id.is_none()).cloned().ok_or_else(|| ServerError::fault("no general link"))?;
    let personal = people
        .into_iter()
        .filter_map(|p| {
            let l = links.iter().find(|l| l.staff_id.as_deref() == Some(p.id.as_str()))?.clone();
            Some((p, l))
        })
        .collect();
    Ok((general, personal))
}

fn link_path(l: &intake_link::Model) -> String {
    format!("/intake/{}", l.id)
}

/// What a public link leads to, if it is live.
struct Live {
    link: intake_link::Model,
    practice: practice::Model,
    form: IntakeForm,
    practitioner: Option<staff::Model>,
}

async fn live_link(s: &AppState, slug: &str) -> Result<Result<Live, Option<String>>, ServerError> {
    let db = &s.db;
    let Some(link) = intake_link::Entity::find_by_id(slug.to_owned()).one(db).await? else {
        return Ok(Err(None));
    };
    let practice = practice::Entity::find_by_id(link.practice_id.clone()).one(db).await?.ok_or(AppError::NotFound)?;
    let form = load_form(db, &link.practice_id).await?;
    let practitioner = match &link.staff_id {
        Some(id) => match staff::Entity::find_by_id(id.clone()).one(db).await? {
            Some(st) if st.is_active() => Some(st),
            _ => return Ok(Err(Some(practice.name))),
        },
        None => None,
    };
    if !form.enabled {
        return Ok(Err(Some(practice.name)));
    }
    Ok(Ok(Live { link, practice, form, practitioner }))
}

fn page(status: StatusCode, title: &str, data: IntakePageData) -> Response {
    let html = render_document(title, move || view! { <IntakePage data/> });
    (status, Html(html)).into_response()
}

fn error_page(e: &AppError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let message = e.to_string();
    let html = render_document("Something went wrong", move || {
        view! {
            <main class="portal" id="main"><div class="portal-card">
                <h1>"Something went wrong"</h1>
                <p>{message}</p>
                <p>"Your answers were not sent. Please try again later, or contact the practice directly."</p>
            </div></main>
        }
    });
    (status, Html(html)).into_response()
}

fn unavailable(practice: Option<String>) -> Response {
    page(
        StatusCode::NOT_FOUND,
        "Form not available",
        IntakePageData { practice: practice.unwrap_or_default(), ..Default::default() },
    )
}

fn data_for(live: &Live, values: BTreeMap<String, String>, errors: BTreeMap<String, String>) -> IntakePageData {
    IntakePageData {
        practice: live.practice.name.clone(),
        form: Some(live.form.clone()),
        practitioner: live.practitioner.as_ref().map(|p| p.display_name.clone()),
        action: link_path(&live.link),
        values,
        errors,
    }
}

/// `GET /intake/{slug}`: the form. Changes nothing.
pub async fn show(State(s): State<AppState>, Path(slug): Path<String>) -> Response {
    match boundary(live_link(&s, &slug)).await {
        Ok(Ok(live)) => {
            let title = live.form.title.clone();
            page(StatusCode::OK, &title, data_for(&live, BTreeMap::new(), BTreeMap::new()))
        }
        Ok(Err(practice)) => unavailable(practice),
        Err(e) => error_page(&e),
    }
}

/// `GET /intake/{slug}/thanks`.
pub async fn thanks(State(s): State<AppState>, Path(slug): Path<String>) -> Response {
    match boundary(live_link(&s, &slug)).await {
        Ok(Ok(live)) => {
            let practice = live.practice.name.clone();
            let html = render_document("Thank you", move || view! { <IntakeThanksPage practice/> });
            Html(html).into_response()
        }
        Ok(Err(practice)) => unavailable(practice),
        Err(e) => error_page(&e),
    }
}

/// The client fields of a submission (email required here), every error collected.
pub(crate) fn parse_identity(
    raw: &BTreeMap<String, String>,
    region: &str,
    errors: &mut BTreeMap<String, String>,
) -> Option<ClientInput> {
    let get = |k: &str| raw.get(k).map(String::as_str).unwrap_or("");
    fn keep<T>(r: Result<T, AppError>, errors: &mut BTreeMap<String, String>) -> Option<T> {
        r.map_err(|e| {
            if let AppError::Invalid { field, message } = e {
                errors.insert(field, message);
            }
        })
        .ok()
    }
    let first = keep(DisplayName::parse("first_name", "your first name", get("first_name")), errors);
    let last = keep(DisplayName::parse("last_name", "your last name", get("last_name")), errors);
    let dob = keep(DateOfBirth::parse("date_of_birth", get("date_of_birth"), Utc::now().date_naive()), errors);
    let email = keep(
        if get("email").trim().is_empty() {
            Err(AppError::invalid("email", "Enter your email address."))
        } else {
            EmailAddress::parse("email", get("email"))
        },
        errors,
    );
    let mobile = keep(
        if get("mobile").trim().is_empty() {
            Ok(None)
        } else {
            PhoneNumber::parse("mobile", get("mobile"), region).map(Some)
        },
        errors,
    );
    Some(ClientInput {
        first_name: first?,
        last_name: last?,
        date_of_birth: dob?,
        email: Some(email?),
        mobile: mobile?,
    })
}

/// `POST /intake/{slug}`: validates, then creates the client and its intake document.
pub async fn submit(
    State(s): State<AppState>,
    Path(slug): Path<String>,
    c: Caller,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    match boundary(submit_inner(&s, &slug, &c, fields)).await {
        Ok(r) => r,
        Err(e) => error_page(&e),
    }
}

async fn submit_inner(
    s: &AppState,
    slug: &str,
    c: &Caller,
    fields: Vec<(String, String)>,
) -> Result<Response, ServerError> {
    let live = match live_link(s, slug).await? {
        Ok(l) => l,
        Err(practice) => return Ok(unavailable(practice)),
    };
    let db = &s.db;
    let now = Utc::now();
    let window = Duration::hours(1);
    let key = throttle::network_key("intake", &c.network);
    // Every attempt counts, valid or not: spent atomically before anything else.
    if let Err(minutes) = throttle::spend(db, &key, PER_NETWORK_PER_HOUR, window, now).await? {
        let html = render_document("Please try again later", move || view! { <IntakeBusyPage minutes/> });
        return Ok((StatusCode::TOO_MANY_REQUESTS, Html(html)).into_response());
    }
    let mut raw = BTreeMap::new();
    for (k, v) in fields {
        // Only the first value of a name counts; names are bounded by the body limit.
        raw.entry(k).or_insert(v);
    }
    let thanks = crate::web::caller::redirect(&format!("{}/thanks", link_path(&live.link)));
    if raw.get("website").is_some_and(|v| !v.is_empty()) {
        // A bot filled the hidden field: answer as if it worked, store nothing.
        let txn = crate::platform::db::begin_write(db).await?;
        audit::append(
            &txn,
            &live.practice.id,
            &Actor::Anonymous,
            "intake.rejected",
            None,
            &c.origin(),
            json!({ "reason": "honeypot", "link": live.link.id }),
        )
        .await?;
        txn.commit().await?;
        return Ok(thanks);
    }
    let mut errors = BTreeMap::new();
    let identity = parse_identity(&raw, &s.cfg.locale.phone_region, &mut errors);
    let answers = match validate_answers(&live.form, &raw) {
        Ok(a) => a,
        Err(e) => {
            errors.extend(e);
            Vec::new()
        }
    };
    let Some(id) = identity.filter(|_| errors.is_empty()) else {
        raw.remove("website");
        let title = live.form.title.clone();
        return Ok(page(StatusCode::UNPROCESSABLE_ENTITY, &title, data_for(&live, raw, errors)));
    };

    let txn = crate::platform::db::begin_write(db).await?;
    let owner = resolve_owner(&txn, &live, &raw).await?;
    let new_client = crate::records::access::insert_client(&txn, &live.practice.id, &owner, id).await?;
    let possible_match = find_match(&txn, &new_client).await?;
    let mut items: Vec<FormItem> = vec![
        FormItem { question: "First name".into(), answer: new_client.first_name.clone() },
        FormItem { question: "Last name".into(), answer: new_client.last_name.clone() },
        FormItem { question: "Date of birth".into(), answer: new_client.date_of_birth.clone() },
        FormItem { question: "Email address".into(), answer: new_client.email.clone().unwrap_or_default() },
    ];
    if let Some(m) = &new_client.mobile_e164 {
        items.push(FormItem { question: "Mobile phone".into(), answer: m.clone() });
    }
    items.extend(answers.into_iter().map(|(question, answer)| FormItem { question, answer }));
    let doc_id = uuid::Uuid::now_v7().to_string();
    let dek = crypto::new_data_key();
    insert_document(
        &txn,
        &s.keys,
        &owner,
        &new_client,
        &doc_id,
        DocumentKind::IntakeForm,
        &live.form.title,
        &now.date_naive().format("%Y-%m-%d").to_string(),
        false,
        &DocumentBody::Form { items },
        &dek,
    )
    .await?;
    let sub = intake_submission::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        practice_id: Set(live.practice.id.clone()),
        link_id: Set(live.link.id.clone()),
        client_id: Set(new_client.id.clone()),
        document_id: Set(doc_id.clone()),
        owner_id: Set(owner.clone()),
        match_client_id: Set(possible_match.clone()),
        status: Set(SubmissionStatus::New),
        created_at: Set(now),
        resolved_at: Set(None),
    }
    .insert(&txn)
    .await?;
    audit::append(
        &txn,
        &live.practice.id,
        &Actor::Anonymous,
        "intake.submitted",
        Some(&new_client.id),
        &c.origin(),
        json!({ "submission": sub.id, "document": doc_id, "owner": owner, "link": live.link.id, "possible_match": possible_match.is_some() }),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(submission = %sub.id, "intake form received");
    Ok(thanks)
}

/// The owner: the link's practitioner, the routing rule, the default owner, or the first
/// admin; only active staff of the practice qualify.
async fn resolve_owner<C: ConnectionTrait>(
    db: &C,
    live: &Live,
    raw: &BTreeMap<String, String>,
) -> Result<String, ServerError> {
    let wanted = route_owner(&live.form, live.practitioner.as_ref().map(|p| p.id.as_str()), raw);
    if let Some(id) = wanted
        && let Some(st) = staff::Entity::find_by_id(id)
            .filter(staff::Column::PracticeId.eq(&live.practice.id))
            .filter(staff::Column::Status.eq(StaffStatus::Active))
            .one(db)
            .await?
    {
        return Ok(st.id);
    }
    let admins = Query::select()
        .column(role::Column::Id)
        .from(role::Entity)
        .and_where(role::Column::PracticeId.eq(&live.practice.id))
        .and_where(role::Column::IsAdmin.eq(true))
        .to_owned();
    staff::Entity::find()
        .filter(staff::Column::PracticeId.eq(&live.practice.id))
        .filter(staff::Column::Status.eq(StaffStatus::Active))
        .filter(staff::Column::RoleId.in_subquery(admins))
        .order_by_asc(staff::Column::CreatedAt)
        .one(db)
        .await?
        .map(|s| s.id)
        .ok_or_else(|| ServerError::fault("practice has no active admin"))
}

/// An existing, unarchived client with the same email, or the same name and date of birth.
async fn find_match<C: ConnectionTrait>(db: &C, new: &client::Model) -> Result<Option<String>, ServerError> {
    let mut same = Condition::any().add(client::Column::DateOfBirth.eq(&new.date_of_birth));
    if let Some(e) = &new.email {
        same = same.add(client::Column::Email.eq(e));
    }
    let candidates = client::Entity::find()
        .filter(client::Column::PracticeId.eq(&new.practice_id))
        .filter(client::Column::Id.ne(&new.id))
        .filter(client::Column::ArchivedAt.is_null())
        .filter(same)
        .order_by_asc(client::Column::CreatedAt)
        .limit(200)
        .all(db)
        .await?;
    let fold = |s: &str| s.to_lowercase();
    Ok(candidates
        .into_iter()
        .find(|c| {
            (c.email.is_some() && c.email == new.email)
                || (c.date_of_birth == new.date_of_birth
                    && fold(&c.first_name) == fold(&new.first_name)
                    && fold(&c.last_name) == fold(&new.last_name))
        })
        .map(|c| c.id))
}

#[async_trait]
impl IntakePort for Services {
    async fn intake_settings(&self, p: &StaffPrincipal) -> Result<IntakeSettings, AppError> {
        boundary(async move {
            let db = &self.s.db;
            let form = load_form(db, p.practice_id()).await?;
            let (general, personal) = ensure_links(db, p.practice_id()).await?;
            Ok(IntakeSettings {
                form,
                base_url: self.s.cfg.server.public_url.trim_end_matches('/').to_owned(),
                general_link: link_path(&general),
                owners: personal.iter().map(|(st, _)| (st.id.clone(), st.display_name.clone())).collect(),
                practitioner_links: personal
                    .into_iter()
                    .map(|(st, l)| (st.id.clone(), st.display_name.clone(), link_path(&l)))
                    .collect(),
            })
        })
        .await
    }

    async fn save_intake_form(&self, p: &StaffPrincipal, mut form: IntakeForm) -> Result<(), AppError> {
        boundary(async move {
            form.validate()?;
            let txn = crate::platform::db::begin_write(&self.s.db).await?;
            let active: Vec<String> = staff::Entity::find()
                .filter(staff::Column::PracticeId.eq(p.practice_id()))
                .filter(staff::Column::Status.eq(StaffStatus::Active))
                .all(&txn)
                .await?
                .into_iter()
                .map(|s| s.id)
                .collect();
            if form.routing.rules.values().any(|id| !active.contains(id)) {
                return Err(AppError::invalid("routing", "Route answers only to people in your practice.").into());
            }
            if form.default_owner_id.as_ref().is_some_and(|id| !active.contains(id)) {
                return Err(AppError::invalid("default_owner_id", "Choose someone from your practice.").into());
            }
            let definition = serde_json::to_string(&form)?;
            let existing = intake_form::Entity::find_by_id(p.practice_id().to_owned()).one(&txn).await?;
            match existing {
                Some(row) => {
                    let mut am = row.into_active_model();
                    am.definition = Set(definition);
                    am.updated_at = Set(Utc::now());
                    am.update(&txn).await?;
                }
                None => {
                    intake_form::ActiveModel {
                        practice_id: Set(p.practice_id().to_owned()),
                        definition: Set(definition),
                        updated_at: Set(Utc::now()),
                    }
                    .insert(&txn)
                    .await?;
                }
            }
            audit::by_staff(
                &txn,
                p,
                "settings.intake_form_saved",
                None,
                &current_origin(&self.s),
                json!({ "enabled": form.enabled, "questions": form.questions.len(), "routing": form.routing.question_id.is_some() }),
            )
            .await?;
            txn.commit().await?;
            Ok(())
        })
        .await
    }

    async fn list_submissions(&self, p: &StaffPrincipal, page: u32) -> Result<Page<SubmissionRow>, AppError> {
        boundary(async move {
            let db = &self.s.db;
            let visible =
                Query::select().column(client::Column::Id).from(client::Entity).cond_where(visible_to(p)).to_owned();
            let rows = intake_submission::Entity::find()
                .filter(intake_submission::Column::PracticeId.eq(p.practice_id()))
                .filter(intake_submission::Column::ClientId.in_subquery(visible))
                .order_by_desc(intake_submission::Column::CreatedAt)
                .order_by_desc(intake_submission::Column::Id)
                .offset(u64::from(page) * PAGE_SIZE)
                .limit(PAGE_SIZE + 1)
                .all(db)
                .await?;
            let has_more = rows.len() as u64 > PAGE_SIZE;
            let rows: Vec<_> = rows.into_iter().take(PAGE_SIZE as usize).collect();
            let mut client_ids: Vec<String> = rows.iter().map(|r| r.client_id.clone()).collect();
            client_ids.extend(rows.iter().filter_map(|r| r.match_client_id.clone()));
            // Matches are named only if the viewer may see them.
            let clients: HashMap<String, client::Model> = client::Entity::find()
                .filter(visible_to(p))
                .filter(client::Column::Id.is_in(client_ids))
                .all(db)
                .await?
                .into_iter()
                .map(|c| (c.id.clone(), c))
                .collect();
            let names = staff::display_names(db, staff::Column::PracticeId.eq(p.practice_id())).await?;
            let tz = crate::platform::zone::of_practice(db, p.practice_id()).await?;
            let links: HashMap<String, Option<String>> = intake_link::Entity::find()
                .filter(intake_link::Column::PracticeId.eq(p.practice_id()))
                .all(db)
                .await?
                .into_iter()
                .map(|l| (l.id, l.staff_id))
                .collect();
            let items = rows
                .into_iter()
                .filter_map(|r| {
                    let c = clients.get(&r.client_id)?;
                    let via = match links.get(&r.link_id).cloned().flatten() {
                        Some(sid) => format!("{}'s form", names.get(&sid).cloned().unwrap_or_default()),
                        None => "General form".to_owned(),
                    };
                    Some(SubmissionRow {
                        id: r.id,
                        received_at: crate::platform::zone::date_time(r.created_at, tz),
                        client_id: c.id.clone(),
                        client_name: format!("{} {}", c.first_name, c.last_name),
                        owner_name: names.get(&r.owner_id).cloned().unwrap_or_default(),
                        via,
                        status: r.status.to_value(),
                        possible_match: r.match_client_id.and_then(|m| clients.get(&m)).map(|m| MatchRef {
                            client_id: m.id.clone(),
                            name: format!("{} {}", m.first_name, m.last_name),
                            date_of_birth: m.date_of_birth.clone(),
                        }),
                        document_id: r.document_id,
                    })
                })
                .collect();
            Ok(Page { items, has_more })
        })
        .await
    }

    async fn resolve_submission(&self, p: &StaffPrincipal, id: &str, attach: bool) -> Result<(), AppError> {
        boundary(async move {
            let txn = crate::platform::db::begin_write(&self.s.db).await?;
            let sub = intake_submission::Entity::find_by_id(id.to_owned())
                .filter(intake_submission::Column::PracticeId.eq(p.practice_id()))
                .one(&txn)
                .await?
                .ok_or(AppError::NotFound)?;
            let new_client = crate::records::access::find_visible(&txn, p, &sub.client_id).await?;
            if sub.status != SubmissionStatus::New {
                return Err(AppError::invalid("id", "This submission was already dealt with.").into());
            }
            let now = Utc::now();
            let mut am = sub.clone().into_active_model();
            am.resolved_at = Set(Some(now));
            if attach {
                let Some(match_id) = &sub.match_client_id else {
                    return Err(AppError::invalid("attach", "This submission has no matching client.").into());
                };
                let existing = crate::records::access::find_visible(&txn, p, match_id).await?;
                // Move the intake form to the existing client and archive the new record.
                document::Entity::update_many()
                    .col_expr(document::Column::ClientId, sea_orm::sea_query::Expr::value(existing.id.clone()))
                    .filter(document::Column::Id.eq(&sub.document_id))
                    .filter(document::Column::PracticeId.eq(p.practice_id()))
                    .exec(&txn)
                    .await?;
                let mut c = new_client.into_active_model();
                c.archived_at = Set(Some(now));
                c.updated_at = Set(now);
                c.update(&txn).await?;
                am.status = Set(SubmissionStatus::Attached);
                am.client_id = Set(existing.id.clone());
                audit::by_staff(
                    &txn,
                    p,
                    "intake.attached",
                    Some(&existing.id),
                    &current_origin(&self.s),
                    json!({ "submission": sub.id, "document": sub.document_id, "archived_client": sub.client_id }),
                )
                .await?;
            } else {
                am.status = Set(SubmissionStatus::Separate);
                audit::by_staff(
                    &txn,
                    p,
                    "intake.kept_separate",
                    Some(&sub.client_id),
                    &current_origin(&self.s),
                    json!({ "submission": sub.id }),
                )
                .await?;
            }
            am.update(&txn).await?;
            txn.commit().await?;
            Ok(())
        })
        .await
    }
}
