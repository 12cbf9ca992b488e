//! The recipient portal. Rendered on the server into complete HTML documents whose forms
//! post normally, so every page works the same with JavaScript switched off. On top, the
//! portal island (`frontend/portal`, a few kilobytes of WebAssembly with no Leptos in it)
//! enhances the elements marked `data-island`: the code field submits itself, the resend
//! button counts down, an idle warning offers "Stay signed in", documents print, and an
//! aged link renews itself (see README, "Bundle architecture").
//!
//! Pages show the practice and never, before verification, anything about the client or
//! the documents.
use leptos::prelude::*;

use crate::domain::documents::DocumentBody;
use crate::pages::staff::documents::DocumentContent;

/// The practice as recipients see it.
#[derive(Debug, Clone, Default)]
pub struct Brand {
    pub practice: String,
    pub phone: String,
    pub email: String,
    pub address: String,
    /// The logo's address, if the practice has one.
    pub logo: Option<String>,
}

/// How the recipient proves who they are on the verify page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyStep {
    /// Text or call: `hint` is the phone's last two digits; `code_sent` once a code is out;
    /// `wait_seconds` until the server's send limit allows another code (0: now).
    Phone {
        hint: String,
        code_sent: bool,
        voice_default: bool,
        wait_seconds: u32,
    },
    Passcode,
    DateOfBirth,
    LinkOnly,
}

/// Everything the verify page shows.
#[derive(Debug, Clone)]
pub struct VerifyData {
    pub brand: Brand,
    pub step: VerifyStep,
    /// Shown beside the field (wrong code, attempts left…).
    pub error: Option<String>,
    /// Shown above the form (a code was sent, resend limits…).
    pub notice: Option<String>,
}

/// Why a link cannot be used any more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    Expired,
    Withdrawn,
    Locked,
}

/// How long a verified session has left, for the idle warning (seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionClock {
    /// The idle limit: the session ends this long after the last request.
    pub idle: i64,
    /// Until the absolute limit, which no activity extends.
    pub left: i64,
}

/// The idle warning, opened by the portal island two minutes before the session ends.
/// Without JavaScript it never shows (a closed `<dialog>`), and the session ends as before.
#[component]
fn IdleWarning(clock: SessionClock) -> impl IntoView {
    view! {
        <dialog class="idle-warning" data-island="idle" data-idle=clock.idle.to_string() data-left=clock.left.to_string() aria-labelledby="idle-title">
            <h2 id="idle-title">"Are you still there?"</h2>
            <p data-role="idle-text">"For your privacy, you will be signed out in 2 minutes."</p>
            <div class="actions">
                <button type="button" class="button primary" data-role="stay">"Stay signed in"</button>
                <form method="post" action="/portal/signout"><button type="submit" class="button">"Sign out"</button></form>
            </div>
        </dialog>
    }
}

/// One document in the recipient's list.
#[derive(Debug, Clone)]
pub struct PortalDoc {
    pub id: String,
    pub title: String,
    pub kind: String,
    pub date: String,
    /// An uploaded file (downloaded as it is) rather than a document rendered to PDF.
    pub file: bool,
}

#[component]
fn PortalCard(brand: Option<Brand>, #[prop(optional)] wide: bool, children: Children) -> impl IntoView {
    view! {
        <main class="portal" id="main">
            <div class="portal-card" class:portal-card-wide=wide>
                {match brand {
                    Some(b) => view! {
                        <p class="brand practice-brand">
                            {b.logo.map(|src| view! { <img class="practice-logo" src=src alt="" height="48"/> })}
                            <span>{b.practice}</span>
                        </p>
                    }.into_any(),
                    None => view! { <p class="brand">"Dossier"</p> }.into_any(),
                }}
                {children()}
            </div>
        </main>
    }
}

/// How to reach the practice (expired, withdrawn or locked links; errors).
#[component]
fn ContactPractice(brand: Brand) -> impl IntoView {
    let any = !(brand.phone.is_empty() && brand.email.is_empty() && brand.address.is_empty());
    view! {
        {any.then(|| view! {
            <dl class="contact">
                {(!brand.phone.is_empty()).then(|| view! { <dt>"Phone"</dt><dd><a href=format!("tel:{}", brand.phone.replace(' ', ""))>{brand.phone.clone()}</a></dd> })}
                {(!brand.email.is_empty()).then(|| view! { <dt>"Email"</dt><dd>{brand.email.clone()}</dd> })}
                {(!brand.address.is_empty()).then(|| view! { <dt>"Address"</dt><dd>{brand.address.clone()}</dd> })}
            </dl>
        })}
    }
}

/// The page shown for unknown, malformed or superseded links.
#[component]
pub fn LinkInvalidPage() -> impl IntoView {
    view! {
        <PortalCard brand=None>
            <h1>"This link is not valid"</h1>
            <p>"The link may be incomplete, or it may have been replaced by a newer one. Check that you opened the whole link from your most recent email."</p>
            <p>"If you still cannot open your documents, contact the practice that sent them."</p>
        </PortalCard>
    }
}

/// Verify to view: the second factor chosen for this share.
#[component]
pub fn VerifyPage(data: VerifyData) -> impl IntoView {
    let VerifyData { brand, step, error, notice } = data;
    let practice = brand.practice.clone();
    let err_id = error.as_ref().map(|_| "verify-error".to_owned());
    let error_view = error.clone().map(|e| view! { <p class="field-error" id="verify-error" role="alert">{e}</p> });
    let form = match step {
        VerifyStep::Phone { hint, code_sent, voice_default, wait_seconds } => {
            // While the send limit applies the island disables the buttons and counts down;
            // without it the server's own message answers a press.
            let wait = (wait_seconds > 0).then(|| {
                let minutes = wait_seconds.div_ceil(60);
                let unit = if minutes == 1 { "minute" } else { "minutes" };
                view! { <p class="hint" data-role="countdown" aria-live="polite">{format!("You can ask for another code in {minutes} {unit}.")}</p> }
            });
            let send = view! {
                <form method="post" action="/portal/code" class="stack send-code"
                    data-island=(wait_seconds > 0).then_some("resend") data-wait=(wait_seconds > 0).then(|| wait_seconds.to_string())>
                    {wait}
                    {if voice_default {
                        view! {
                            <button type="submit" name="channel" value="voice" class="button primary">{if code_sent { "Call me again" } else { "Call me with a code" }}</button>
                            <button type="submit" name="channel" value="sms" class="button">"Text me a code instead"</button>
                        }.into_any()
                    } else {
                        view! {
                            <button type="submit" name="channel" value="sms" class="button" class:primary=!code_sent>{if code_sent { "Text me a new code" } else { "Text me a code" }}</button>
                            <button type="submit" name="channel" value="voice" class="button">"Call me instead"</button>
                        }.into_any()
                    }}
                </form>
            };
            view! {
                <p>{format!("{practice} will send a 6-digit code to your phone number ending in {hint}.")}</p>
                {code_sent.then(|| view! {
                    <form method="post" action="/portal/verify" class="stack" novalidate data-island="otp">
                        <div class="field">
                            <label for="code">"Enter the 6-digit code"</label>
                            <p class="hint" id="code-hint">"It is valid for 10 minutes."</p>
                            <input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code"
                                pattern="[0-9]*" maxlength="6" required
                                aria-invalid=error.is_some().then_some("true")
                                aria-describedby=match &err_id { Some(e) => format!("code-hint {e}"), None => "code-hint".to_owned() }/>
                            {error_view.clone()}
                        </div>
                        <button type="submit" class="button primary">"View documents"</button>
                    </form>
                    <p class="or">"Didn't get it?"</p>
                })}
                {(!code_sent).then(|| error_view.clone())}
                {send}
            }
            .into_any()
        }
        VerifyStep::Passcode => view! {
            <form method="post" action="/portal/verify" class="stack" novalidate>
                <div class="field">
                    <label for="passcode">"Passcode"</label>
                    <p class="hint" id="passcode-hint">{format!("{practice} gave you this passcode separately, for example by phone.")}</p>
                    <input id="passcode" name="passcode" type="password" autocomplete="off" required
                        aria-invalid=error.is_some().then_some("true")
                        aria-describedby=match &err_id { Some(e) => format!("passcode-hint {e}"), None => "passcode-hint".to_owned() }/>
                    {error_view}
                </div>
                <button type="submit" class="button primary">"View documents"</button>
            </form>
        }
        .into_any(),
        VerifyStep::DateOfBirth => view! {
            <form method="post" action="/portal/verify" class="stack" novalidate>
                <div class="field">
                    <label for="dob">"Your date of birth"</label>
                    <p class="hint" id="dob-hint">"Day, month and year, for example 14 March 1984."</p>
                    <input id="dob" name="date_of_birth" type="date" autocomplete="bday" required
                        aria-invalid=error.is_some().then_some("true")
                        aria-describedby=match &err_id { Some(e) => format!("dob-hint {e}"), None => "dob-hint".to_owned() }/>
                    {error_view}
                </div>
                <button type="submit" class="button primary">"View documents"</button>
            </form>
        }
        .into_any(),
        VerifyStep::LinkOnly => view! {
            <form method="post" action="/portal/verify" class="stack">
                {error_view}
                <button type="submit" class="button primary">"View documents"</button>
            </form>
        }
        .into_any(),
    };
    view! {
        <PortalCard brand=Some(brand)>
            <h1>"Verify to view"</h1>
            <p class="lead">"Documents have been shared with you securely. First, confirm it is you."</p>
            {notice.map(|n| view! { <p class="notice" role="status">{n}</p> })}
            {form}
        </PortalCard>
    }
}

/// Expired, withdrawn or locked.
#[component]
pub fn ClosedPage(brand: Brand, why: Closed) -> impl IntoView {
    let practice = brand.practice.clone();
    let (title, text) = match why {
        Closed::Expired => (
            "This link has expired",
            format!(
                "The documents are no longer available through this link. If you still need them, contact {practice}."
            ),
        ),
        Closed::Withdrawn => (
            "This link has been withdrawn",
            format!(
                "{practice} has withdrawn access to these documents. If you think this is a mistake, contact them."
            ),
        ),
        Closed::Locked => (
            "This link is locked",
            format!(
                "There were too many unsuccessful attempts to verify, so the link was locked to protect the documents. Contact {practice} to have it unlocked or sent again."
            ),
        ),
    };
    view! {
        <PortalCard brand=Some(brand.clone())>
            <h1>{title}</h1>
            <p>{text}</p>
            <ContactPractice brand/>
        </PortalCard>
    }
}

/// A still-valid share whose link is older than the practice allows.
#[component]
pub fn AgedLinkPage(brand: Brand) -> impl IntoView {
    view! {
        <PortalCard brand=Some(brand)>
            <h1>"This link needs renewing"</h1>
            <p>"For your safety, older links stop working after a while. We can email a fresh link to the same address that received this one."</p>
            <form method="post" action="/portal/refresh" class="stack" data-island="renew">
                <button type="submit" class="button primary">"Email me a new link"</button>
            </form>
        </PortalCard>
    }
}

/// After a fresh link was sent.
#[component]
pub fn LinkRenewedPage(brand: Brand) -> impl IntoView {
    let practice = brand.practice.clone();
    view! {
        <PortalCard brand=Some(brand)>
            <h1>"Check your email"</h1>
            <p>{format!("We have sent a new link to the address that received the first one. Open the newest email from {practice}; this link no longer works.")}</p>
        </PortalCard>
    }
}

/// Too many attempts from this network for now.
#[component]
pub fn PortalBusyPage(brand: Brand, minutes: u32) -> impl IntoView {
    view! {
        <PortalCard brand=Some(brand.clone())>
            <h1>"Please wait a little"</h1>
            <p>{format!("There were many unsuccessful attempts from your network. Please try again in {minutes} minutes, or contact the practice.")}</p>
            <ContactPractice brand/>
        </PortalCard>
    }
}

/// The signed-in list of documents.
#[component]
pub fn DocumentsPage(
    brand: Brand,
    recipient: String,
    expires: String,
    docs: Vec<PortalDoc>,
    clock: SessionClock,
) -> impl IntoView {
    view! {
        <PortalCard brand=Some(brand) wide=true>
            <div class="portal-head">
                <h1>"Your documents"</h1>
                <form method="post" action="/portal/signout"><button type="submit" class="button subtle">"Sign out"</button></form>
            </div>
            <p class="lead">{format!("Shared with {recipient}. Available until {expires}.")}</p>
            <ul class="portal-docs">
                {docs.into_iter().map(|d| {
                    let href = format!("/portal/d/{}", d.id);
                    let download = if d.file { format!("/portal/d/{}/file", d.id) } else { format!("/portal/d/{}/pdf", d.id) };
                    let title = d.title.clone();
                    view! {
                        <li class="portal-doc">
                            {if d.file {
                                view! { <span class="doc-title">{d.title.clone()}</span> }.into_any()
                            } else {
                                view! { <a class="doc-title" href=href>{d.title.clone()}</a> }.into_any()
                            }}
                            <span class="hint">{format!("{} · {}", d.kind, d.date)}</span>
                            <a class="button" href=download aria-label=format!("Download {title}")>{if d.file { "Download" } else { "Download PDF" }}</a>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <p class="hint">"Keep downloaded copies somewhere safe. Sign out when you have finished, especially on a shared device."</p>
        </PortalCard>
        <IdleWarning clock/>
    }
}

/// One document, as accessible HTML.
#[component]
pub fn DocumentViewPage(
    brand: Brand,
    id: String,
    title: String,
    kind: String,
    date: String,
    body: DocumentBody,
    clock: SessionClock,
) -> impl IntoView {
    view! {
        <PortalCard brand=Some(brand) wide=true>
            <p class="crumbs no-print"><a href="/portal">"All documents"</a></p>
            <article class="doc">
                <h1>{title.clone()}</h1>
                <p class="hint">{format!("{kind} · {date}")}</p>
                <DocumentContent body/>
            </article>
            <p class="no-print actions">
                <a class="button primary" href=format!("/portal/d/{id}/pdf") aria-label=format!("Download {title} as PDF")>"Download PDF"</a>
                <button type="button" class="button" data-island="print" hidden>"Print"</button>
            </p>
        </PortalCard>
        <IdleWarning clock/>
    }
}

/// After signing out.
#[component]
pub fn SignedOutPage(brand: Option<Brand>) -> impl IntoView {
    view! {
        <PortalCard brand>
            <h1>"You have signed out"</h1>
            <p>"To see the documents again, open the link in your email and verify once more."</p>
        </PortalCard>
    }
}

/// The verified session timed out (15 minutes idle, 1 hour at most) or was ended.
#[component]
pub fn SessionEndedPage() -> impl IntoView {
    view! {
        <PortalCard brand=None>
            <h1>"Your session has ended"</h1>
            <p>"For your privacy, access ends after 15 minutes without activity, or after an hour. Open the link in your email again to continue."</p>
        </PortalCard>
    }
}

/// Something failed on our side.
#[component]
pub fn PortalErrorPage(message: String) -> impl IntoView {
    view! {
        <PortalCard brand=None>
            <h1>"Something went wrong"</h1>
            <p>{message}</p>
            <p>"Please try again in a moment. If it keeps happening, contact the practice that sent you the link."</p>
        </PortalCard>
    }
}

/// Renders a complete page around `body` with no script (public intake forms, notices).
#[cfg(feature = "ssr")]
pub fn render_document<V: IntoView + 'static>(title: &str, body: impl FnOnce() -> V) -> String {
    document(title, None, body)
}

/// Renders a complete portal page around `body`, with the portal island when the build
/// has one (a module script: deferred, and allowed by the CSP's `'self'`).
#[cfg(feature = "ssr")]
pub fn render_portal_document<V: IntoView + 'static>(title: &str, body: impl FnOnce() -> V) -> String {
    document(title, crate::assets::portal_js(), body)
}

#[cfg(feature = "ssr")]
fn document<V: IntoView + 'static>(title: &str, script: Option<String>, body: impl FnOnce() -> V) -> String {
    let owner = Owner::new();
    let title = title.to_owned();
    let html = owner.with(move || {
        view! {
            <html lang="en">
                <head>
                    <meta charset="utf-8"/>
                    <meta name="viewport" content="width=device-width, initial-scale=1"/>
                    <meta name="referrer" content="no-referrer"/>
                    <title>{title}" · Dossier"</title>
                    <link rel="icon" href=crate::assets::icon() type="image/svg+xml"/>
                    <link rel="stylesheet" href=crate::assets::portal_css()/>
                    {script.map(|src| view! { <script type="module" src=src></script> })}
                </head>
                <body class="portal-body">{body()}</body>
            </html>
        }
        .to_html()
    });
    format!("<!DOCTYPE html>{html}")
}
