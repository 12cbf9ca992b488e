//! The public intake form, as a new client sees it. Rendered on the server into a complete
//! HTML document like the portal: no script, the form posts normally, errors come back
//! on the same page beside their fields with the answers kept.
use leptos::prelude::*;
use std::collections::BTreeMap;

use crate::domain::intake::{IDENTITY_FIELDS, IntakeForm, QuestionKind};

/// Everything the page shows.
#[derive(Debug, Clone, Default)]
pub struct IntakePageData {
    pub practice: String,
    /// `None` when the link is unknown or the form is switched off.
    pub form: Option<IntakeForm>,
    /// "Dr Ada Lovelace" on a practitioner's personal link.
    pub practitioner: Option<String>,
    pub action: String,
    pub values: BTreeMap<String, String>,
    pub errors: BTreeMap<String, String>,
}

#[component]
pub fn IntakePage(data: IntakePageData) -> impl IntoView {
    let Some(form) = data.form.clone() else {
        return view! {
            <PublicCard>
                <h1>"This form is not available"</h1>
                <p>"The link may be incomplete, or the practice no longer takes forms online. Please contact the practice directly."</p>
            </PublicCard>
        }
        .into_any();
    };
    let values = data.values.clone();
    let errors = data.errors.clone();
    let error_count = errors.len();
    let value = |k: &str| values.get(k).cloned().unwrap_or_default();
    let err = |k: &str| errors.get(k).cloned();
    let identity = IDENTITY_FIELDS
        .into_iter()
        .map(|(name, label)| {
            let (kind, autocomplete, required, hint) = match name {
                "date_of_birth" => ("date", "bday", true, Some("For example 1984-03-14.")),
                "email" => ("email", "email", true, Some("The practice uses it to send you documents securely.")),
                "mobile" => ("tel", "tel", false, Some("Optional. Used for verification codes.")),
                "first_name" => ("text", "given-name", true, None),
                _ => ("text", "family-name", true, None),
            };
            let e = err(name);
            let v = value(name);
            view! {
                <FieldShell name=name.to_owned() label=label.to_owned() required hint=hint.map(str::to_owned) error=e.clone()>
                    <input id=format!("f-{name}") name=name type=kind autocomplete=autocomplete value=v
                        required=required aria-invalid=e.is_some().then_some("true")
                        aria-describedby=describedby(name, hint.is_some(), e.is_some())/>
                </FieldShell>
            }
        })
        .collect_view();
    let questions = form
        .questions
        .iter()
        .map(|q| {
            let name = q.id.clone();
            let e = err(&name);
            let v = value(&name);
            let invalid = e.is_some().then_some("true");
            let described = describedby(&name, false, e.is_some());
            let control = match q.kind {
                QuestionKind::Text => view! {
                    <input id=format!("f-{name}") name=name.clone() type="text" value=v required=q.required aria-invalid=invalid aria-describedby=described/>
                }
                .into_any(),
                QuestionKind::LongText => view! {
                    <textarea id=format!("f-{name}") name=name.clone() rows="5" required=q.required aria-invalid=invalid aria-describedby=described>{v}</textarea>
                }
                .into_any(),
                QuestionKind::Date => view! {
                    <input id=format!("f-{name}") name=name.clone() type="date" value=v required=q.required aria-invalid=invalid aria-describedby=described/>
                }
                .into_any(),
                QuestionKind::Choice => {
                    let options = q.options.clone();
                    view! {
                        <select id=format!("f-{name}") name=name.clone() required=q.required aria-invalid=invalid aria-describedby=described>
                            <option value="">"Choose…"</option>
                            {options.into_iter().map(|o| { let sel = o == v; view! { <option value=o.clone() selected=sel>{o.clone()}</option> } }).collect_view()}
                        </select>
                    }
                    .into_any()
                }
                QuestionKind::YesNo => view! {
                    <div class="radios" role="radiogroup" aria-labelledby=format!("l-{name}") aria-describedby=described>
                        <label class="radio"><input id=format!("f-{name}") type="radio" name=name.clone() value="yes" checked=v == "yes" required=q.required/>" Yes"</label>
                        <label class="radio"><input type="radio" name=name.clone() value="no" checked=v == "no"/>" No"</label>
                    </div>
                }
                .into_any(),
            };
            view! {
                <FieldShell name=name.clone() label=q.label.clone() required=q.required hint=None error=e>{control}</FieldShell>
            }
        })
        .collect_view();
    view! {
        <PublicCard>
            <p class="eyebrow">{data.practice.clone()}</p>
            <h1>{form.title.clone()}</h1>
            {data.practitioner.clone().map(|p| view! { <p class="lead">"For " {p}</p> })}
            {(!form.intro.is_empty()).then(|| view! { <p>{form.intro.clone()}</p> })}
            {(error_count > 0).then(|| view! {
                <div class="form-error" role="alert" id="form-errors">
                    {if error_count == 1 { "One answer needs your attention.".to_owned() } else { format!("{error_count} answers need your attention.") }}
                    " Look for the messages in red below."
                </div>
            })}
            <form method="post" action=data.action.clone() class="stack" novalidate>
                <fieldset class="stack">
                    <legend>"About you"</legend>
                    {identity}
                </fieldset>
                {(!form.questions.is_empty()).then(|| view! {
                    <fieldset class="stack">
                        <legend>"Your answers"</legend>
                        {questions}
                    </fieldset>
                })}
                // A field people never see or fill: bots that fill every field are dropped.
                <div class="hp" aria-hidden="true">
                    <label for="f-website">"Leave this empty"</label>
                    <input id="f-website" name="website" type="text" tabindex="-1" autocomplete="off"/>
                </div>
                <p class="hint">"Fields marked * are required. Your answers are sent securely to the practice and stored encrypted."</p>
                <button type="submit" class="button primary">"Send my form"</button>
            </form>
        </PublicCard>
    }
    .into_any()
}

fn describedby(name: &str, hint: bool, error: bool) -> Option<String> {
    let mut ids = Vec::new();
    if hint {
        ids.push(format!("h-{name}"));
    }
    if error {
        ids.push(format!("e-{name}"));
    }
    (!ids.is_empty()).then(|| ids.join(" "))
}

#[component]
fn FieldShell(
    name: String,
    label: String,
    required: bool,
    hint: Option<String>,
    error: Option<String>,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=format!("f-{name}") id=format!("l-{name}")>{label}{required.then_some(" *")}</label>
            {hint.map(|h| view! { <p class="hint" id=format!("h-{name}")>{h}</p> })}
            {children()}
            {error.map(|e| view! { <p class="field-error" id=format!("e-{name}")>{e}</p> })}
        </div>
    }
}

/// After a successful submission.
#[component]
pub fn IntakeThanksPage(practice: String) -> impl IntoView {
    view! {
        <PublicCard>
            <p class="eyebrow">{practice}</p>
            <h1>"Thank you"</h1>
            <p>"Your form has reached the practice. Someone will be in touch with you about next steps."</p>
            <p>"You can close this page."</p>
        </PublicCard>
    }
}

/// Too many submissions from one network.
#[component]
pub fn IntakeBusyPage(minutes: u32) -> impl IntoView {
    view! {
        <PublicCard>
            <h1>"Please try again later"</h1>
            <p>{format!("Many forms were sent from your network recently. Please try again in {minutes} minutes, or contact the practice directly.")}</p>
        </PublicCard>
    }
}

#[component]
fn PublicCard(children: Children) -> impl IntoView {
    view! {
        <main class="portal" id="main">
            <div class="portal-card portal-card-wide">
                {children()}
            </div>
        </main>
    }
}
