//! The practice's intake form (settings, for admins) and the submissions it receives.
use leptos::prelude::*;
use leptos_meta::Title;
use std::collections::BTreeMap;

use crate::api::intake::{ResolveIntakeSubmission, SaveIntakeForm, intake_settings, list_intake_submissions};
use crate::components::{ActionError, EmptyState, paged_table};
use crate::domain::intake::{IntakeForm, IntakeSettings, Question, QuestionKind, Routing, next_question_id};

/// `/app/settings/intake`: edit the form, its routing rule, and see the public links.
#[component]
pub fn IntakeSettingsPage() -> impl IntoView {
    let settings = Resource::new(|| (), |_| intake_settings());
    view! {
        <p class="crumbs"><a href="/app/settings">"Settings"</a></p>
        <Title text="Intake form"/><h1>"Intake form"</h1>
        <p class="lead">"New clients fill in this form on your website. Each submission creates a client, owned by the practitioner whose link was used, with the answers as an intake form document."</p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || settings.get().map(|r| match r {
                Ok(s) => view! { <IntakeEditor s/> }.into_any(),
                Err(e) => view! { <ActionError error=e/> }.into_any(),
            })}
        </Suspense>
    }
}

#[derive(Clone, Copy)]
struct FormState {
    enabled: RwSignal<bool>,
    title: RwSignal<String>,
    intro: RwSignal<String>,
    questions: RwSignal<Vec<Question>>,
    /// Options of choice questions are edited as text, one per line.
    options: RwSignal<BTreeMap<String, String>>,
    route_by: RwSignal<String>,
    rules: RwSignal<BTreeMap<String, String>>,
    default_owner: RwSignal<String>,
}

impl FormState {
    fn new(f: &IntakeForm) -> Self {
        FormState {
            enabled: RwSignal::new(f.enabled),
            title: RwSignal::new(f.title.clone()),
            intro: RwSignal::new(f.intro.clone()),
            questions: RwSignal::new(f.questions.clone()),
            options: RwSignal::new(f.questions.iter().map(|q| (q.id.clone(), q.options.join("\n"))).collect()),
            route_by: RwSignal::new(f.routing.question_id.clone().unwrap_or_default()),
            rules: RwSignal::new(f.routing.rules.clone()),
            default_owner: RwSignal::new(f.default_owner_id.clone().unwrap_or_default()),
        }
    }

    fn options_of(&self, id: &str) -> Vec<String> {
        self.options.with(|o| {
            o.get(id)
                .map(|t| t.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect())
                .unwrap_or_default()
        })
    }

    fn to_form(self) -> IntakeForm {
        let questions: Vec<Question> = self
            .questions
            .get_untracked()
            .into_iter()
            .map(|mut q| {
                q.options = if q.kind == QuestionKind::Choice { self.options_of(&q.id) } else { Vec::new() };
                q
            })
            .collect();
        let route_by = self.route_by.get_untracked();
        let options = if route_by.is_empty() { Vec::new() } else { self.options_of(&route_by) };
        let rules = self
            .rules
            .get_untracked()
            .into_iter()
            .filter(|(opt, staff)| !staff.is_empty() && options.contains(opt))
            .collect();
        let default_owner = self.default_owner.get_untracked();
        IntakeForm {
            enabled: self.enabled.get_untracked(),
            title: self.title.get_untracked(),
            intro: self.intro.get_untracked(),
            questions,
            routing: Routing { question_id: (!route_by.is_empty()).then_some(route_by), rules },
            default_owner_id: (!default_owner.is_empty()).then_some(default_owner),
        }
    }
}

#[component]
fn IntakeEditor(s: IntakeSettings) -> impl IntoView {
    let st = FormState::new(&s.form);
    let save = ServerAction::<SaveIntakeForm>::new();
    let owners = StoredValue::new(s.owners.clone());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(SaveIntakeForm { form: st.to_form() });
    };
    let move_q = move |i: usize, up: bool| {
        st.questions.update(|qs| {
            let j = if up { i.checked_sub(1) } else { Some(i + 1).filter(|j| *j < qs.len()) };
            if let Some(j) = j {
                qs.swap(i, j);
            }
        })
    };
    let add = move |_| {
        st.questions.update(|qs| {
            let id = next_question_id(qs);
            qs.push(Question { id, label: String::new(), kind: QuestionKind::Text, required: false, options: vec![] });
        })
    };
    let base = s.base_url.clone();
    let general = format!("{base}{}", s.general_link);
    view! {
        <section class="panel" aria-labelledby="links-h">
            <h2 id="links-h">"Public links"</h2>
            <p class="hint">"Put these on your website. The general link assigns new clients by the routing rule below; a practitioner's link makes them the owner."</p>
            <table class="table">
                <thead><tr><th scope="col">"Link"</th><th scope="col">"Address"</th></tr></thead>
                <tbody>
                    <tr><td>"General form"</td><td><a class="mono" href=s.general_link.clone() data-link="general">{general}</a></td></tr>
                    {s.practitioner_links.iter().map(|(id, name, path)| view! {
                        <tr><td>{name.clone()}</td><td><a class="mono" href=path.clone() data-link=id.clone()>{format!("{base}{path}")}</a></td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
        <form class="panel stack" on:submit=submit aria-labelledby="form-h" novalidate>
            <h2 id="form-h">"The form"</h2>
            <label class="check"><input type="checkbox" prop:checked=st.enabled on:change=move |ev| st.enabled.set(event_target_checked(&ev))/>"Accept intake forms online"</label>
            <div class="field"><label for="if-title">"Form title"</label><input id="if-title" prop:value=st.title on:input=move |ev| st.title.set(event_target_value(&ev))/></div>
            <div class="field"><label for="if-intro">"Introduction"</label><textarea id="if-intro" rows="3" prop:value=st.intro on:input=move |ev| st.intro.set(event_target_value(&ev))></textarea></div>
            <p class="hint">"Every form starts with first name, last name, date of birth, email address and mobile phone. Add your own questions below."</p>
            <fieldset class="sections">
                <legend>"Questions"</legend>
                {move || st.questions.with(Vec::is_empty).then(|| view! { <p class="hint">"No questions yet: the form asks only for the details above."</p> })}
                <For each={move || st.questions.get().into_iter().enumerate().map(|(i, q)| (i, q.id)).collect::<Vec<_>>()} key={|x: &(usize, String)| x.clone()} let:x>
                    {
                        let (i, id) = x;
                        let n = i + 1;
                        let idc = id.clone();
                        let q = move || st.questions.with(|qs| qs.iter().find(|q| q.id == idc).cloned());
                        let upd = {
                            let id = id.clone();
                            move |f: &dyn Fn(&mut Question)| st.questions.update(|qs| if let Some(q) = qs.iter_mut().find(|q| q.id == id) { f(q) })
                        };
                        let upd2 = upd.clone();
                        let upd3 = upd.clone();
                        let q2 = q.clone();
                        let q3 = q.clone();
                        let q4 = q.clone();
                        let id_opts = id.clone();
                        let id_opts2 = id.clone();
                        let id_rm = id.clone();
                        view! {
                            <div class="section-edit question-edit">
                                <div class="field">
                                    <label for=format!("q-label-{id}")>{format!("Question {n}")}</label>
                                    <input id=format!("q-label-{id}") prop:value=move || q().map(|q| q.label).unwrap_or_default()
                                        on:input=move |ev| { let v = event_target_value(&ev); upd(&|q| q.label = v.clone()) }/>
                                </div>
                                <div class="inline-form">
                                    <div class="field">
                                        <label for=format!("q-kind-{id}")>"Answer type"</label>
                                        <select id=format!("q-kind-{id}") on:change=move |ev| if let Some(k) = QuestionKind::from_key(&event_target_value(&ev)) { upd2(&|q| q.kind = k) }>
                                            {QuestionKind::ALL.into_iter().map(|k| { let q2 = q2.clone(); view! { <option value=k.key() selected=move || q2().is_some_and(|q| q.kind == k)>{k.label()}</option> } }).collect_view()}
                                        </select>
                                    </div>
                                    <label class="check"><input type="checkbox" prop:checked=move || q3().is_some_and(|q| q.required)
                                        on:change=move |ev| { let v = event_target_checked(&ev); upd3(&|q| q.required = v) }/>"Required"</label>
                                    <button type="button" class="button subtle" aria-label=format!("Move question {n} up") on:click=move |_| move_q(i, true) disabled=i == 0>"↑"</button>
                                    <button type="button" class="button subtle" aria-label=format!("Move question {n} down") on:click=move |_| move_q(i, false)>"↓"</button>
                                    <button type="button" class="button subtle" aria-label=format!("Remove question {n}")
                                        on:click=move |_| st.questions.update(|qs| qs.retain(|q| q.id != id_rm))>"Remove"</button>
                                </div>
                                {move || q4().is_some_and(|q| q.kind == QuestionKind::Choice).then(|| {
                                    let id_opts = id_opts.clone();
                                    let id_opts2 = id_opts2.clone();
                                    view! {
                                        <div class="field">
                                            <label for=format!("q-opts-{id_opts}")>"Options, one per line"</label>
                                            <textarea id=format!("q-opts-{id_opts}") rows="4"
                                                prop:value=move || st.options.with(|o| o.get(&id_opts).cloned().unwrap_or_default())
                                                on:input=move |ev| { let v = event_target_value(&ev); st.options.update(|o| { o.insert(id_opts2.clone(), v); }) }></textarea>
                                        </div>
                                    }
                                })}
                            </div>
                        }
                    }
                </For>
                <button type="button" class="button" on:click=add>"Add question"</button>
            </fieldset>
            <fieldset class="sections">
                <legend>"Who receives new clients from the general link"</legend>
                <div class="field">
                    <label for="if-route">"Assign by the answer to"</label>
                    <select id="if-route" on:change=move |ev| st.route_by.set(event_target_value(&ev))>
                        <option value="" selected=move || st.route_by.get().is_empty()>"No question: everyone goes to the default owner"</option>
                        {move || st.questions.get().into_iter().filter(|q| q.kind == QuestionKind::Choice).map(|q| {
                            let id = q.id.clone();
                            view! { <option value=q.id.clone() selected=move || st.route_by.get() == id>{if q.label.is_empty() { q.id.clone() } else { q.label.clone() }}</option> }
                        }).collect_view()}
                    </select>
                </div>
                {move || {
                    let by = st.route_by.get();
                    (!by.is_empty()).then(|| {
                        let opts = st.options_of(&by);
                        view! {
                            <table class="table">
                                <thead><tr><th scope="col">"Answer"</th><th scope="col">"Owner"</th></tr></thead>
                                <tbody>
                                    {opts.into_iter().enumerate().map(|(i, o)| {
                                        let o2 = o.clone();
                                        let o3 = o.clone();
                                        view! {
                                            <tr>
                                                <td><label for=format!("rule-{i}")>{o.clone()}</label></td>
                                                <td>
                                                    <select id=format!("rule-{i}") on:change=move |ev| { let v = event_target_value(&ev); st.rules.update(|r| { if v.is_empty() { r.remove(&o2); } else { r.insert(o2.clone(), v); } }) }>
                                                        <option value="">"Default owner"</option>
                                                        {owners.get_value().into_iter().map(|(sid, name)| {
                                                            let o3 = o3.clone();
                                                            let sid2 = sid.clone();
                                                            view! { <option value=sid selected=move || st.rules.with(|r| r.get(&o3) == Some(&sid2))>{name}</option> }
                                                        }).collect_view()}
                                                    </select>
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }
                    })
                }}
                <div class="field">
                    <label for="if-default">"Default owner"</label>
                    <select id="if-default" on:change=move |ev| st.default_owner.set(event_target_value(&ev))>
                        <option value="" selected=move || st.default_owner.get().is_empty()>"The first admin"</option>
                        {owners.get_value().into_iter().map(|(sid, name)| {
                            let sid2 = sid.clone();
                            view! { <option value=sid selected=move || st.default_owner.get() == sid2>{name}</option> }
                        }).collect_view()}
                    </select>
                </div>
            </fieldset>
            {move || save.value().get().map(|r| match r {
                Ok(()) => view! { <p class="notice" role="status">"Intake form saved."</p> }.into_any(),
                Err(e) => view! { <ActionError error=e/> }.into_any(),
            })}
            <div class="form-actions"><button type="submit" class="button primary" disabled=move || save.pending().get()>"Save intake form"</button></div>
        </form>
    }
}

/// `/app/intake`: forms received, newest first, with possible duplicates to resolve.
#[component]
pub fn IntakeInboxPage() -> impl IntoView {
    let page = RwSignal::new(0u32);
    let resolve = ServerAction::<ResolveIntakeSubmission>::new();
    let rows = Resource::new(move || (page.get(), resolve.version().get()), |(p, _)| list_intake_submissions(p));
    view! {
        <div class="page-head"><Title text="Intake forms"/><h1>"Intake forms"</h1></div>
        <p class="lead">"Forms new clients sent through your public links. Each created a client with the answers as an intake form document."</p>
        {move || resolve.value().get().and_then(Result::err).map(|e| view! { <ActionError error=e/> })}
        {paged_table("Intake forms received", "table", rows, page,
            || view! { <th scope="col">"Received"</th><th scope="col">"Client"</th><th scope="col">"Through"</th><th scope="col">"Owner"</th><th scope="col">"Status"</th> },
            move |s| {
                let status = match (s.status.as_str(), &s.possible_match) {
                    ("new", Some(m)) => {
                        let id_a = s.id.clone();
                        let id_b = s.id.clone();
                        view! {
                            <div class="match">
                                <p>"May be the same person as "<a href=format!("/app/clients/{}", m.client_id)>{m.name.clone()}</a>" (born "{m.date_of_birth.clone()}")."</p>
                                <button class="button" on:click=move |_| { resolve.dispatch(ResolveIntakeSubmission { id: id_a.clone(), attach: true }); }>{format!("Attach to {}", m.name)}</button>
                                " "
                                <button class="button subtle" on:click=move |_| { resolve.dispatch(ResolveIntakeSubmission { id: id_b.clone(), attach: false }); }>"Keep separate"</button>
                            </div>
                        }.into_any()
                    }
                    ("attached", _) => view! { <span class="badge">"Attached to existing client"</span> }.into_any(),
                    ("separate", _) => view! { <span class="badge">"Kept as a new client"</span> }.into_any(),
                    _ => view! { <span class="badge badge-active">"New client"</span> }.into_any(),
                };
                view! {
                    <tr>
                        <td>{s.received_at}</td>
                        <td><a href=format!("/app/clients/{}", s.client_id)>{s.client_name}</a>" · "<a href=format!("/app/documents/{}", s.document_id)>"answers"</a></td>
                        <td>{s.via}</td>
                        <td>{s.owner_name}</td>
                        <td>{status}</td>
                    </tr>
                }
            },
            || view! {
                <EmptyState title="No intake forms yet"
                    text="When someone fills in your intake form, their new client record appears here. Admins publish the form under Settings, Intake form."/>
            },
        )}
    }
}
