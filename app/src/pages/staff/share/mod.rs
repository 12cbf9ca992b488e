//! The share wizard: documents, recipients, how each recipient verifies, expiry, sections,
//! purpose and message, a preview of exactly what each recipient will see, review, send.
//! Every rule is checked here for quick feedback and again by the server.
//!
//! `store` holds the wizard's state (`Wizard`); each step is a module of its own.
mod details;
mod documents;
mod preview;
mod recipients;
mod review;
mod store;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::sharing::{CreateShares, share_context};
use crate::components::{ActionError, AfterHydration};
use crate::domain::sharing::ShareContext;

use details::DetailsStep;
use documents::DocumentsStep;
use preview::Preview;
use recipients::RecipientsStep;
use review::ReviewStep;
use store::Wizard;

/// `/app/clients/:id/share` (`?doc=<id>[,<id>…]` preselects documents). The wizard is an
/// interactive page through and through: it is built in the browser after hydration, with
/// its data loaded there, so nothing the server rendered can disagree with it.
#[component]
pub fn SharePage() -> impl IntoView {
    let params = use_params_map();
    let client_id = move || params.with(|p| p.get("id").unwrap_or_default());
    view! {
        <p class="crumbs"><a href=move || format!("/app/clients/{}", client_id())>"Back to the client"</a></p>
        <AfterHydration><ShareLoader/></AfterHydration>
    }
}

#[component]
fn ShareLoader() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let ctx = LocalResource::new(move || share_context(params.with(|p| p.get("id").unwrap_or_default())));
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || ctx.get().map(|r| match r {
                Ok(c) if !c.enabled => view! {
                    <Title text="Sharing is switched off"/><h1>"Sharing is switched off"</h1>
                    <p class="lead">"An admin can switch sharing on under Settings."</p>
                }.into_any(),
                Ok(c) => {
                    let pre = query.with_untracked(|q| q.get("doc"));
                    view! { <ShareWizard ctx=c preselect=pre/> }.into_any()
                }
                Err(e) => view! { <Title text="Share documents"/><h1>"Share documents"</h1><ActionError error=e/> }.into_any(),
            })}
        </Suspense>
    }
}

const STEPS: [&str; 4] = ["Documents", "Recipients", "Details", "Review and send"];

#[component]
fn ShareWizard(ctx: ShareContext, preselect: Option<String>) -> impl IntoView {
    let w = Wizard::new(ctx, preselect);
    let Wizard { ctx, step, step_error, vet, vetting_for, send, popped, .. } = w;
    Effect::new(move |_| {
        let Some(answer) = vet.value().get() else { return };
        let Some(to) = vetting_for.get_untracked() else { return };
        vetting_for.set(None);
        match answer {
            Ok(_) => w.arrive(to),
            Err(e) => step_error.set(Some(e.to_string())),
        }
    });

    view! {
        <Title text=format!("Share documents of {}", ctx.with_value(|c| c.client_name.clone()))/>
        <h1>"Share documents of " {ctx.with_value(|c| c.client_name.clone())}</h1>
        <Show when=move || send.value().with(|v| matches!(v, Some(Ok(_)))) fallback=move || view! {
            <ol class="stepper" aria-label="Steps">
                {STEPS.iter().enumerate().map(|(i, label)| view! {
                    <li class:current={move || step.get() == i} class:done={move || step.get() > i}>
                        <button type="button" class="link" aria-current=move || (step.get() == i).then_some("step") on:click=move |_| w.go(i)>
                            {format!("{}. {label}", i + 1)}
                        </button>
                    </li>
                }).collect_view()}
            </ol>
            <div class="wizard">
                <div class="wizard-main panel">
                    {move || match step.get() {
                        0 => view! { <DocumentsStep w/> }.into_any(),
                        1 => view! { <RecipientsStep w/> }.into_any(),
                        2 => view! { <DetailsStep w/> }.into_any(),
                        _ => view! { <ReviewStep w/> }.into_any(),
                    }}
                    {move || step_error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
                    {move || send.value().get().and_then(Result::err).map(|e| view! { <ActionError error=e/> })}
                    <div class="form-actions">
                        {move || (step.get() > 0).then(|| view! { <button type="button" class="button" on:click=move |_| w.go(step.get_untracked() - 1)>"Back"</button> })}
                        {move || if step.get() < 3 {
                            view! {
                                <button type="button" class="button primary" disabled=move || vet.pending().get()
                                    on:click=move |_| w.go(step.get_untracked() + 1)>
                                    {move || if vet.pending().get() { "Checking…" } else { "Next" }}
                                </button>
                            }.into_any()
                        } else {
                            view! {
                                <button type="button" class="button primary" disabled=move || send.pending().get()
                                    on:click=move |_| { send.dispatch(CreateShares { request: w.build() }); }>
                                    {move || if send.pending().get() { "Sending…" } else { "Send" }}
                                </button>
                            }.into_any()
                        }}
                    </div>
                </div>
                <aside class="wizard-preview panel" class:popped=popped aria-label="Preview" role=move || popped.get().then_some("dialog")
                    aria-modal=move || popped.get().then_some("true")
                    on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Escape" { popped.set(false) }>
                    <button type="button" class="button subtle popout" aria-pressed=move || popped.get().to_string()
                        on:click=move |_| popped.update(|p| *p = !*p)>
                        {move || if popped.get() { "Close the large preview" } else { "Pop out" }}
                    </button>
                    <Preview w/>
                </aside>
            </div>
        }>
            {move || send.value().get().and_then(Result::ok).map(|o| {
                let back = format!("/app/clients/{}", ctx.with_value(|c| c.client_id.clone()));
                view! {
                    <section class="panel" role="status">
                        <h2>"Shared"</h2>
                        <p>"Each recipient gets their own secure link by email:"</p>
                        <ul>{o.shares.into_iter().map(|(_, name)| view! { <li>{name}</li> }).collect_view()}</ul>
                        <p><a class="button primary" href=back>"Back to the client"</a></p>
                    </section>
                }
            })}
        </Show>
    }
}
