//! Sign-in pages. Their forms post to `/auth/*` (plain axum handlers), which answer with
//! a redirect: the next step, or back here with signed feedback in `?e=`.
use leptos::prelude::*;

use crate::api::auth::{get_enrolment, get_recovery_codes};
use crate::components::{
    AuthCard, BrowserTimeZone, CheckedForm, Field, QueryFeedback, QueryNotice, check_email, check_new_password,
    check_required_name,
};
use crate::domain::NewPassword;

#[component]
pub fn SetupPage() -> impl IntoView {
    view! {
        <AuthCard title="Set up your practice">
            <p class="lead">"Create your practice and the first administrator account. You will set up two-step verification next."</p>
            <QueryFeedback/>
            <CheckedForm action="/auth/setup">
                <Field label="Practice name" name="practice_name" autocomplete="organization" check=check_required_name/>
                <Field label="Your name" name="name" autocomplete="name" check=check_required_name/>
                <Field label="Email" name="email" kind="email" autocomplete="username" check=check_email/>
                <Field label="Password" name="password" kind="password" autocomplete="new-password"
                    hint="At least 12 characters. A few unrelated words work well." minlength=NewPassword::MIN_CHARS as u32 maxlength=NewPassword::MAX_CHARS as u32 check=check_new_password/>
                <div class="field">
                    <label class="check"><input type="checkbox" name="demo" value="on" aria-describedby="demo-hint"/>"Add demo data to try Dossier"</label>
                    <p class="hint" id="demo-hint">"Fake clients, contacts, documents and four demo staff accounts. Only for trying Dossier out: never for a real practice."</p>
                </div>
                <BrowserTimeZone/>
                <button type="submit" class="button primary">"Create practice"</button>
            </CheckedForm>
        </AuthCard>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    view! {
        <AuthCard title="Sign in">
            <QueryNotice/>
            <QueryFeedback/>
            <CheckedForm action="/auth/login">
                <Field label="Email" name="email" kind="email" autocomplete="username" check=check_email/>
                <Field label="Password" name="password" kind="password" autocomplete="current-password"/>
                <button type="submit" class="button primary">"Sign in"</button>
            </CheckedForm>
            <p class="aside"><a href="/forgot-password">"Forgot your password?"</a></p>
        </AuthCard>
    }
}

#[component]
pub fn MfaPage() -> impl IntoView {
    view! {
        <AuthCard title="Two-step verification">
            <QueryFeedback/>
            <form method="post" action="/auth/mfa" class="stack" novalidate>
                <Field label="Authentication code" name="code" autocomplete="one-time-code" inputmode="numeric"
                    hint="Enter the 6-digit code from your authenticator app, or one of your recovery codes."/>
                <button type="submit" class="button primary">"Verify"</button>
            </form>
            <form method="post" action="/auth/logout" class="aside"><button type="submit" class="link">"Cancel and sign out"</button></form>
        </AuthCard>
    }
}

#[component]
pub fn EnrolPage() -> impl IntoView {
    let enrolment = Resource::new(|| (), |_| get_enrolment());
    view! {
        <AuthCard title="Set up two-step verification">
            <p class="lead">"Scan this code with an authenticator app (for example on your phone), then enter the 6-digit code it shows."</p>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || enrolment.get().map(|r| match r {
                    Ok(e) => view! {
                        <div class="enrol">
                            <img class="qr" src=e.qr_svg_data_url alt="QR code for your authenticator app" width="200" height="200"/>
                            <p class="hint">"Can't scan? Enter this key by hand for " {e.account_label} ":"</p>
                            <code class="secret" data-testid="totp-secret">{e.secret_base32}</code>
                        </div>
                    }.into_any(),
                    Err(_) => view! { <p class="form-error" role="alert">"Your sign-in has expired. "<a href="/login">"Sign in again"</a></p> }.into_any(),
                })}
            </Suspense>
            <QueryFeedback/>
            <form method="post" action="/auth/enrol" class="stack" novalidate>
                <Field label="6-digit code" name="code" autocomplete="one-time-code" inputmode="numeric"/>
                <button type="submit" class="button primary">"Verify and continue"</button>
            </form>
        </AuthCard>
    }
}

#[component]
pub fn RecoveryCodesPage() -> impl IntoView {
    let codes = Resource::new(|| (), |_| get_recovery_codes());
    view! {
        <AuthCard title="Save your recovery codes">
            <p class="lead">"If you lose your phone, each of these codes signs you in once. Store them somewhere safe, such as a password manager. They will not be shown again."</p>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || codes.get().map(|r| match r {
                    Ok(list) => view! {
                        <ul class="codes" data-testid="recovery-codes">
                            {list.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(_) => view! { <p class="form-error" role="alert">"These codes are no longer available."</p> }.into_any(),
                })}
            </Suspense>
            <form method="post" action="/auth/recovery-codes" class="stack" novalidate>
                <button type="submit" class="button primary">"I have saved my codes"</button>
            </form>
        </AuthCard>
    }
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    view! {
        <AuthCard title="Reset your password">
            <QueryNotice/>
            <QueryFeedback/>
            <p class="lead">"Enter the email address you sign in with. We will email you a link to choose a new password."</p>
            <CheckedForm action="/auth/forgot">
                <Field label="Email" name="email" kind="email" autocomplete="username" check=check_email/>
                <button type="submit" class="button primary">"Send reset link"</button>
            </CheckedForm>
            <p class="aside"><a href="/login">"Back to sign in"</a></p>
        </AuthCard>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let q = leptos_router::hooks::use_query_map();
    let invalid = move || q.with(|q| q.get("m")).as_deref() == Some("reset_invalid");
    view! {
        <AuthCard title="Choose a new password">
            <QueryNotice/>
            <QueryFeedback/>
            <Show when=move || !invalid() fallback=|| view! { <p class="aside"><a href="/forgot-password">"Request a new link"</a></p> }>
                <CheckedForm action="/auth/reset">
                    <Field label="New password" name="password" kind="password" autocomplete="new-password"
                        hint="At least 12 characters. A few unrelated words work well." minlength=NewPassword::MIN_CHARS as u32 check=check_new_password/>
                    <button type="submit" class="button primary">"Save password"</button>
                </CheckedForm>
            </Show>
        </AuthCard>
    }
}

#[component]
pub fn InvitePage() -> impl IntoView {
    let q = leptos_router::hooks::use_query_map();
    let invalid = move || q.with(|q| q.get("m")).as_deref() == Some("invite_invalid");
    view! {
        <AuthCard title="Set your password">
            <QueryNotice/>
            <QueryFeedback/>
            <Show when=move || !invalid() fallback=|| ()>
                <p class="lead">"Welcome to Dossier. Choose a password for your account; you will set up two-step verification next."</p>
                <CheckedForm action="/auth/invite">
                    <Field label="Password" name="password" kind="password" autocomplete="new-password"
                        hint="At least 12 characters. A few unrelated words work well." minlength=NewPassword::MIN_CHARS as u32 check=check_new_password/>
                    <button type="submit" class="button primary">"Set password"</button>
                </CheckedForm>
            </Show>
        </AuthCard>
    }
}

/// Shown once, as the answer to the setup form when demo data was requested: the demo
/// accounts and their fresh password (rendered on the server; never stored in clear).
#[component]
pub fn DemoAccountsPage(practice: String, accounts: Vec<(String, String, String)>) -> impl IntoView {
    view! {
        <main class="portal" id="main">
            <div class="portal-card portal-card-wide">
                <p class="eyebrow">{practice}</p>
                <h1>"Your practice is ready, with demo data"</h1>
                <p>"Sign in with your own account first. These demo staff accounts can sign in too; each sets up two-step verification at first sign-in."</p>
                <table class="table">
                    <thead><tr><th scope="col">"Role"</th><th scope="col">"Email"</th><th scope="col">"Password"</th></tr></thead>
                    <tbody>
                        {accounts.into_iter().map(|(role, email, password)| view! {
                            <tr><td>{role}</td><td>{email}</td><td><code>{password}</code></td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <p class="form-error">"Write these down now: the passwords are shown only once."</p>
                <p><a class="button primary" href="/login?m=setup_done">"Continue to sign in"</a></p>
            </div>
        </main>
    }
}
