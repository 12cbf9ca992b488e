//! Documents in the staff app: the list on a client's profile, the new-document editor
//! (every structured kind, and file upload), and the document page with PDF download.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::api::documents::{SaveDocument, get_document, list_documents, list_practice_documents};
use crate::api::records::staff_options;
use crate::api::staff::get_me;
use crate::components::{ActionError, AfterHydration, EmptyState};
use crate::domain::Permission;
use crate::domain::documents::{
    DocumentBody, DocumentKind, FormItem, InvoiceLine, PrescriptionItem, Section, format_money,
};
use crate::dto::{DocumentDraft, DocumentFilter, DocumentListItem};

/// Renders a document body as accessible HTML (also used, later, by the portal).
#[component]
pub fn DocumentContent(body: DocumentBody) -> impl IntoView {
    match body {
        DocumentBody::Form { items } => view! {
            <dl class="doc-qa">
                {items.into_iter().map(|i| view! { <dt>{i.question}</dt><dd>{if i.answer.is_empty() { "(no answer)".to_string() } else { i.answer }}</dd> }).collect_view()}
            </dl>
        }
        .into_any(),
        DocumentBody::Consent { text, signer_name, signed_at } => view! {
            <div class="doc-text">{text}</div>
            <p class="doc-sign">"Signed by " {signer_name} " on " {signed_at}</p>
        }
        .into_any(),
        DocumentBody::Sections { sections } => view! {
            {sections.into_iter().map(|s| view! {
                <section class="doc-section">
                    <h3>{s.title}{s.internal.then_some(" (office use only)")}</h3>
                    <div class="doc-text">{s.text}</div>
                </section>
            }).collect_view()}
        }
        .into_any(),
        DocumentBody::Letter { addressee, body } => view! {
            <p class="doc-sign">"To: " {addressee}</p>
            <div class="doc-text">{body}</div>
        }
        .into_any(),
        DocumentBody::Prescription { items, notes } => view! {
            <table class="table">
                <thead><tr><th scope="col">"Medication"</th><th scope="col">"Dosage"</th><th scope="col">"Instructions"</th></tr></thead>
                <tbody>{items.into_iter().map(|i| view! { <tr><td>{i.medication}</td><td>{i.dosage}</td><td>{i.instructions}</td></tr> }).collect_view()}</tbody>
            </table>
            {(!notes.is_empty()).then(|| view! { <div class="doc-text">{notes}</div> })}
        }
        .into_any(),
        DocumentBody::File { description } => view! { <div class="doc-text">{description}</div> }.into_any(),
        DocumentBody::Invoice { currency, items, notes } => {
            let total: i64 = items.iter().map(|l| l.quantity as i64 * l.unit_cents).sum();
            view! {
                <table class="table">
                    <thead><tr><th scope="col">"Description"</th><th scope="col">"Quantity"</th><th scope="col">"Unit price"</th><th scope="col">"Amount"</th></tr></thead>
                    <tbody>
                        {items.into_iter().map(|l| {
                            let c = currency.clone();
                            view! { <tr><td>{l.description}</td><td>{l.quantity}</td><td>{format!("{c} {}", format_money(l.unit_cents))}</td><td>{format!("{c} {}", format_money(l.quantity as i64 * l.unit_cents))}</td></tr> }
                        }).collect_view()}
                    </tbody>
                    <tfoot><tr><th scope="row" colspan="3">"Total"</th><td><strong>{format!("{currency} {}", format_money(total))}</strong></td></tr></tfoot>
                </table>
                {(!notes.is_empty()).then(|| view! { <div class="doc-text">{notes}</div> })}
            }
            .into_any()
        }
    }
}

/// The documents section of a client's profile.
#[component]
pub fn ClientDocuments(client_id: Signal<String>) -> impl IntoView {
    let kind = RwSignal::new(None::<DocumentKind>);
    let query = RwSignal::new(String::new());
    let docs = Resource::new(
        move || (client_id.get(), kind.get(), query.get()),
        |(c, k, q)| list_documents(c, k, q, String::new(), String::new(), 0),
    );
    // Nothing at all for a client the caller cannot see (the profile says "not found").
    let visible = move || !matches!(docs.get(), Some(Err(crate::error::AppError::NotFound)));
    view! {
        <Transition fallback=|| ()>
        <Show when=visible>
        <section class="panel" aria-labelledby="docs-h">
            <div class="page-head">
                <h2 id="docs-h">"Documents"</h2>
                <a class="button primary" href=move || format!("/app/clients/{}/documents/new", client_id.get())>"New document"</a>
            </div>
            <div class="toolbar">
                <label for="doc-kind" class="visually-hidden">"Filter by kind"</label>
                <select id="doc-kind" on:change=move |ev| kind.set(DocumentKind::from_key(&event_target_value(&ev)))>
                    <option value="">"All kinds"</option>
                    {DocumentKind::ALL.into_iter().map(|k| view! { <option value=k.key()>{k.label()}</option> }).collect_view()}
                </select>
                <label for="doc-search" class="visually-hidden">"Search documents"</label>
                <input id="doc-search" type="search" placeholder="Search by title" on:input=move |ev| query.set(event_target_value(&ev))/>
            </div>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || docs.get().map(|r| match r {
                    Ok(p) if p.items.is_empty() => view! { <p class="empty">"No documents yet."</p> }.into_any(),
                    Ok(p) => view! {
                        <table class="table">
                            <thead><tr><th scope="col">"Date"</th><th scope="col">"Title"</th><th scope="col">"Kind"</th><th scope="col">"Author"</th></tr></thead>
                            <tbody>
                                {p.items.into_iter().map(|d| view! {
                                    <tr>
                                        <td>{d.date}</td>
                                        <td><a href=format!("/app/documents/{}", d.id)>{d.title}</a>{d.is_psychotherapy.then(|| view! { " " <span class="badge">"psychotherapy"</span> })}</td>
                                        <td>{d.kind.label()}</td>
                                        <td>{d.author_name}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(e) => view! { <ActionError error=e/> }.into_any(),
                })}
            </Transition>
        </section>
        </Show>
        </Transition>
    }
}

/// `/app/documents`: every document of the practice the user may see, newest first,
/// filtered by kind, author, date range, and a search over title, client and date; each
/// row opens the document, and documents of one client can be shared together.
#[component]
pub fn PracticeDocumentsPage() -> impl IntoView {
    view! {
        <Title text="Documents"/>
        <div class="page-head"><h1>"Documents"</h1></div>
        <AfterHydration><PracticeDocuments/></AfterHydration>
    }
}

#[component]
fn PracticeDocuments() -> impl IntoView {
    let kind = RwSignal::new(None::<DocumentKind>);
    let author = RwSignal::new(String::new());
    let query = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let pages = RwSignal::new(Vec::<String>::new());
    // The chosen documents: (document, client).
    let picked = RwSignal::new(Vec::<(String, String)>::new());
    let me = LocalResource::new(get_me);
    let can_share = move || me.get().and_then(Result::ok).is_some_and(|m| m.can(Permission::ShareDocuments));
    let authors = LocalResource::new(staff_options);
    let restart = move || pages.set(Vec::new());
    let list = LocalResource::new(move || {
        list_practice_documents(DocumentFilter {
            kind: kind.get(),
            client_id: None,
            author_id: Some(author.get()).filter(|a| !a.is_empty()),
            query: query.get(),
            from: from.get(),
            to: to.get(),
            after: pages.with(|p| p.last().cloned()),
        })
    });
    let one_client = move || picked.with(|p| p.first().map(|f| f.1.clone()).filter(|c| p.iter().all(|x| &x.1 == c)));
    let share_href = move || {
        one_client().map(|c| {
            let ids: Vec<String> = picked.with(|p| p.iter().map(|x| x.0.clone()).collect());
            format!("/app/clients/{c}/share?doc={}", ids.join(","))
        })
    };
    view! {
        <section class="panel" aria-label="Documents">
            <div class="toolbar filters" role="search">
                <div class="field grow">
                    <label for="docs-search">"Search documents"</label>
                    <input id="docs-search" type="search" placeholder="Title, client or date"
                        on:input=move |ev| { query.set(event_target_value(&ev)); restart(); }/>
                </div>
                <div class="field">
                    <label for="docs-kind">"Kind"</label>
                    <select id="docs-kind" on:change=move |ev| { kind.set(DocumentKind::from_key(&event_target_value(&ev))); restart(); }>
                        <option value="">"All kinds"</option>
                        {DocumentKind::ALL.into_iter().map(|k| view! { <option value=k.key()>{k.plural()}</option> }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="docs-author">"Author"</label>
                    <select id="docs-author" on:change=move |ev| { author.set(event_target_value(&ev)); restart(); }>
                        <option value="">"Anyone"</option>
                        {move || authors.get().and_then(Result::ok).unwrap_or_default().into_iter()
                            .map(|s| view! { <option value=s.id>{s.name}</option> }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="docs-from">"Dated from"</label>
                    <input id="docs-from" type="date" on:change=move |ev| { from.set(event_target_value(&ev)); restart(); }/>
                </div>
                <div class="field">
                    <label for="docs-to">"Dated until"</label>
                    <input id="docs-to" type="date" on:change=move |ev| { to.set(event_target_value(&ev)); restart(); }/>
                </div>
            </div>
            <Show when=can_share>
                <div class="selection-bar" aria-live="polite">
                    {move || match (picked.with(Vec::len), share_href()) {
                        (0, _) => view! { <span class="hint">"Choose documents of one client to share them together."</span> }.into_any(),
                        (n, Some(href)) => view! {
                            <span>{if n == 1 { "1 document chosen.".to_string() } else { format!("{n} documents chosen.") }}</span>
                            <a class="button primary" href=href>"Share selected"</a>
                            <button type="button" class="button subtle" on:click=move |_| picked.set(Vec::new())>"Clear"</button>
                        }.into_any(),
                        (_, None) => view! {
                            <span class="field-error">"These documents belong to different clients: share one client's documents at a time."</span>
                            <button type="button" class="button subtle" on:click=move |_| picked.set(Vec::new())>"Clear"</button>
                        }.into_any(),
                    }}
                </div>
            </Show>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || list.get().map(|r| match r {
                    Ok(page) if page.items.is_empty() => view! {
                        <EmptyState title="No documents match"
                            text="Documents you may see appear here, newest first: notes, letters, forms, prescriptions, invoices and uploaded results of every client you have access to. Add one from a client's file."/>
                    }.into_any(),
                    Ok(page) => {
                        let next = page.has_more.then(|| page.items.last().map(|d| d.cursor.clone())).flatten();
                        view! {
                            <table class="table documents phone-cards">
                                <thead><tr>
                                    <Show when=can_share><th scope="col"><span class="visually-hidden">"Select"</span></th></Show>
                                    <th scope="col">"Date"</th><th scope="col">"Title"</th><th scope="col">"Kind"</th>
                                    <th scope="col">"Client"</th><th scope="col">"Author"</th>
                                    <Show when=can_share><th scope="col"><span class="visually-hidden">"Actions"</span></th></Show>
                                </tr></thead>
                                <tbody>
                                    {page.items.into_iter().map(|d| view! { <DocumentLine d picked can_share/> }).collect_view()}
                                </tbody>
                            </table>
                            <div class="pager">
                                <button class="button subtle" hidden=move || pages.with(Vec::is_empty)
                                    on:click=move |_| pages.update(|p| { p.pop(); })>"Newer"</button>
                                {next.map(|c| view! {
                                    <button class="button subtle" on:click=move |_| pages.update(|p| p.push(c.clone()))>"Older"</button>
                                })}
                            </div>
                        }.into_any()
                    }
                    Err(e) => view! { <ActionError error=e/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

#[component]
fn DocumentLine(
    d: DocumentListItem,
    picked: RwSignal<Vec<(String, String)>>,
    can_share: impl Fn() -> bool + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let DocumentListItem { row, client_name, .. } = d;
    let (id, client) = (row.id.clone(), row.client_id.clone());
    let title = row.title.clone();
    let share = format!("/app/clients/{client}/share?doc={id}");
    let select = {
        let (id, client, title) = (id.clone(), client.clone(), title.clone());
        move || {
            let (on, flip) = (id.clone(), (id.clone(), client.clone()));
            view! {
                <td>
                    <input type="checkbox" aria-label=format!("Select {title}")
                        prop:checked=move || picked.with(|p| p.iter().any(|x| x.0 == on))
                        on:change=move |ev| {
                            let yes = event_target_checked(&ev);
                            picked.update(|p| { p.retain(|x| x.0 != flip.0); if yes { p.push(flip.clone()); } });
                        }/>
                </td>
            }
        }
    };
    view! {
        <tr>
            <Show when=can_share>{select.clone()}</Show>
            <td class="when">{row.date.clone()}</td>
            <td><a href=format!("/app/documents/{id}") title=title.clone()>{title.clone()}</a>
                {row.is_psychotherapy.then(|| view! { " " <span class="badge">"psychotherapy"</span> })}</td>
            <td>{row.kind.label()}</td>
            <td><a href=format!("/app/clients/{client}")>{client_name}</a></td>
            <td>{row.author_name.clone()}</td>
            <Show when=can_share>
                <td class="row-actions"><a class="button subtle" href=share.clone() aria-label=format!("Share {}", title)>"Share"</a></td>
            </Show>
        </tr>
    }
}

#[component]
pub fn DocumentPage() -> impl IntoView {
    let params = use_params_map();
    let doc = Resource::new(move || params.with(|p| p.get("id").unwrap_or_default()), get_document);
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || doc.get().map(|r| match r {
                Err(_) => view! { <Title text="Document not found"/><h1>"Document not found"</h1><p class="lead">"This document does not exist, or you do not have access to it."</p> }.into_any(),
                Ok(d) => view! {
                    <p class="crumbs"><a href=format!("/app/clients/{}", d.row.client_id)>{d.client_name.clone()}</a></p>
                    <div class="page-head">
                        <Title text=format!("{} · {}", d.row.title, d.client_name)/>
                        <h1>{d.row.title.clone()}</h1>
                        <div class="actions">
                            {d.file.as_ref().map(|_| view! { <a class="button" href=format!("/app/documents/{}/file", d.row.id) download>"Download original"</a> })}
                            <a class="button" href=format!("/app/documents/{}/pdf", d.row.id) download>"Download PDF"</a>
                            {d.can_share.then(|| view! { <a class="button primary" href=format!("/app/clients/{}/share?doc={}", d.row.client_id, d.row.id)>"Share"</a> })}
                        </div>
                    </div>
                    <dl class="facts">
                        <div><dt>"Kind"</dt><dd>{d.row.kind.label()}</dd></div>
                        <div><dt>"Date"</dt><dd>{d.row.date.clone()}</dd></div>
                        <div><dt>"Author"</dt><dd>{d.row.author_name.clone()}</dd></div>
                        {d.file.as_ref().map(|f| view! { <div><dt>"File"</dt><dd>{f.file_name.clone()}" ("{(f.size_bytes / 1024).max(1)}" KB)"</dd></div> })}
                    </dl>
                    <article class="panel doc">
                        <DocumentContent body=d.body.clone()/>
                    </article>
                    <crate::pages::staff::shared::DocumentSharing document_id=d.row.id.clone()/>
                }.into_any(),
            })}
        </Transition>
    }
}

fn lines(s: &str) -> Vec<String> {
    s.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

/// Builds a body from the editor's fields (one textarea per list, one item per line,
/// parts separated by " | " where an item has several).
fn body_from(kind: DocumentKind, f: &EditorFields) -> DocumentBody {
    match kind {
        DocumentKind::IntakeForm => DocumentBody::Form {
            items: lines(&f.list.get_untracked())
                .into_iter()
                .map(|l| {
                    let (q, a) = l.split_once('|').unwrap_or((&l, ""));
                    FormItem { question: q.trim().into(), answer: a.trim().into() }
                })
                .collect(),
        },
        DocumentKind::ConsentForm => DocumentBody::Consent {
            text: f.text.get_untracked(),
            signer_name: f.signer.get_untracked(),
            signed_at: f.signed_at.get_untracked(),
        },
        k if k.has_sections() => DocumentBody::Sections {
            sections: f
                .sections
                .get_untracked()
                .into_iter()
                .map(|(title, text, internal)| Section { title, text, internal })
                .collect(),
        },
        DocumentKind::Letter => {
            DocumentBody::Letter { addressee: f.signer.get_untracked(), body: f.text.get_untracked() }
        }
        DocumentKind::Prescription => DocumentBody::Prescription {
            items: lines(&f.list.get_untracked())
                .into_iter()
                .map(|l| {
                    let mut p = l.split('|').map(|x| x.trim().to_owned());
                    PrescriptionItem {
                        medication: p.next().unwrap_or_default(),
                        dosage: p.next().unwrap_or_default(),
                        instructions: p.next().unwrap_or_default(),
                    }
                })
                .collect(),
            notes: f.text.get_untracked(),
        },
        DocumentKind::Invoice => DocumentBody::Invoice {
            currency: f.signer.get_untracked().trim().to_uppercase(),
            items: lines(&f.list.get_untracked())
                .into_iter()
                .map(|l| {
                    let mut p = l.split('|').map(|x| x.trim().to_owned());
                    let description = p.next().unwrap_or_default();
                    let quantity = p.next().and_then(|q| q.parse().ok()).unwrap_or(0);
                    let unit_cents = p
                        .next()
                        .and_then(|u| u.replace(',', "").parse::<f64>().ok())
                        .map(|u| (u * 100.0).round() as i64)
                        .unwrap_or(-1);
                    InvoiceLine { description, quantity, unit_cents }
                })
                .collect(),
            notes: f.text.get_untracked(),
        },
        _ => DocumentBody::File { description: f.text.get_untracked() },
    }
}

#[derive(Clone, Copy)]
struct EditorFields {
    text: RwSignal<String>,
    signer: RwSignal<String>,
    signed_at: RwSignal<String>,
    list: RwSignal<String>,
    sections: RwSignal<Vec<(String, String, bool)>>,
}

/// `/app/clients/:id/documents/new`: create any kind of document for the client.
#[component]
pub fn NewDocumentPage() -> impl IntoView {
    let params = use_params_map();
    let client_id = move || params.with(|p| p.get("id").unwrap_or_default());
    let kind = RwSignal::new(DocumentKind::ConsultationNote);
    let title = RwSignal::new(String::new());
    let date = RwSignal::new(String::new());
    let psychotherapy = RwSignal::new(false);
    let f = EditorFields {
        text: RwSignal::new(String::new()),
        signer: RwSignal::new(String::new()),
        signed_at: RwSignal::new(String::new()),
        list: RwSignal::new(String::new()),
        sections: RwSignal::new(match DocumentBody::soap() {
            DocumentBody::Sections { sections } => {
                sections.into_iter().map(|s| (s.title, s.text, s.internal)).collect()
            }
            _ => Vec::new(),
        }),
    };
    let save = ServerAction::<SaveDocument>::new();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(id)) = save.value().get() {
            navigate(&format!("/app/documents/{id}"), Default::default());
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let k = kind.get_untracked();
        save.dispatch(SaveDocument {
            client_id: client_id(),
            id: None,
            draft: DocumentDraft {
                kind: k,
                title: title.get_untracked(),
                date: date.get_untracked(),
                is_psychotherapy: psychotherapy.get_untracked(),
                body: body_from(k, &f),
            },
        });
    };
    view! {
        <p class="crumbs"><a href=move || format!("/app/clients/{}", client_id())>"Back to the client"</a></p>
        <Title text="New document"/><h1>"New document"</h1>
        <section class="panel">
            <div class="field">
                <label for="nd-kind">"Kind"</label>
                <select id="nd-kind" on:change=move |ev| if let Some(k) = DocumentKind::from_key(&event_target_value(&ev)) { kind.set(k) }>
                    {DocumentKind::ALL.into_iter().map(|k| view! { <option value=k.key() selected=k == DocumentKind::ConsultationNote>{k.label()}</option> }).collect_view()}
                </select>
            </div>
        </section>
        <Show when=move || kind.get().is_file() fallback=move || view! {
            <form class="panel stack" on:submit=submit>
                <div class="grid-form">
                    <div class="field"><label for="nd-title">"Title"</label><input id="nd-title" required prop:value=title on:input=move |ev| title.set(event_target_value(&ev))/></div>
                    <div class="field"><label for="nd-date">"Date"</label><input id="nd-date" type="date" required prop:value=date on:input=move |ev| date.set(event_target_value(&ev))/></div>
                    <label class="check"><input type="checkbox" prop:checked=psychotherapy on:change=move |ev| psychotherapy.set(event_target_checked(&ev))/>"Psychotherapy note (extra protection when sharing)"</label>
                </div>
                <Editor kind f/>
                {move || save.value().get().and_then(Result::err).map(|e| view! { <ActionError error=e/> })}
                <div class="form-actions"><button type="submit" class="button primary" disabled=move || save.pending().get()>"Save document"</button></div>
            </form>
        }>
            <form class="panel grid-form" method="post" action="/app/api/documents/upload" enctype="multipart/form-data">
                <input type="hidden" name="client_id" value=client_id/>
                <input type="hidden" name="kind" value=move || kind.get().key()/>
                <div class="field"><label for="up-title">"Title"</label><input id="up-title" name="title" required/></div>
                <div class="field"><label for="up-date">"Date"</label><input id="up-date" name="date" type="date" required/></div>
                <div class="field"><label for="up-desc">"Description"</label><input id="up-desc" name="description"/></div>
                <div class="field"><label for="up-file">"File (PDF, PNG or JPEG, up to 10 MB)"</label><input id="up-file" name="file" type="file" accept="application/pdf,image/png,image/jpeg" required/></div>
                <div class="form-actions"><button type="submit" class="button primary">"Upload"</button></div>
            </form>
        </Show>
    }
}

#[component]
fn Editor(kind: RwSignal<DocumentKind>, f: EditorFields) -> impl IntoView {
    let area = move |id: &'static str, label: &'static str, hint: &'static str, sig: RwSignal<String>| {
        view! {
            <div class="field">
                <label for=id>{label}</label>
                {(!hint.is_empty()).then(|| view! { <p class="hint">{hint}</p> })}
                <textarea id=id rows="6" prop:value=sig on:input=move |ev| sig.set(event_target_value(&ev))></textarea>
            </div>
        }
    };
    let input = move |id: &'static str, label: &'static str, kind_attr: &'static str, sig: RwSignal<String>| {
        view! { <div class="field"><label for=id>{label}</label><input id=id type=kind_attr prop:value=sig on:input=move |ev| sig.set(event_target_value(&ev))/></div> }
    };
    move || {
        match kind.get() {
        k if k.has_sections() => view! {
            <fieldset class="sections">
                <legend>"Sections"</legend>
                <For each={move || (0..f.sections.with(Vec::len)).collect::<Vec<usize>>()} key={|i| *i} let:i>
                    <div class="section-edit">
                        <div class="field">
                            <label for=format!("sec-title-{i}")>{format!("Section {} title", i + 1)}</label>
                            <input id=format!("sec-title-{i}") prop:value=move || f.sections.with(|s| s.get(i).map(|x| x.0.clone()).unwrap_or_default())
                                on:input=move |ev| f.sections.update(|s| if let Some(x) = s.get_mut(i) { x.0 = event_target_value(&ev) })/>
                        </div>
                        <div class="field">
                            <label for=format!("sec-text-{i}")>{move || f.sections.with(|s| s.get(i).map(|x| x.0.clone()).unwrap_or_default())}</label>
                            <textarea id=format!("sec-text-{i}") rows="4" prop:value=move || f.sections.with(|s| s.get(i).map(|x| x.1.clone()).unwrap_or_default())
                                on:input=move |ev| f.sections.update(|s| if let Some(x) = s.get_mut(i) { x.1 = event_target_value(&ev) })></textarea>
                        </div>
                        <label class="check"><input type="checkbox" prop:checked=move || f.sections.with(|s| s.get(i).is_some_and(|x| x.2))
                            on:change=move |ev| f.sections.update(|s| if let Some(x) = s.get_mut(i) { x.2 = event_target_checked(&ev) })/>"Office use only (never shared)"</label>
                    </div>
                </For>
                <button type="button" class="button" on:click=move |_| f.sections.update(|s| s.push((String::new(), String::new(), false)))>"Add section"</button>
            </fieldset>
        }
        .into_any(),
        DocumentKind::IntakeForm => area("ed-list", "Questions and answers", "One per line: question | answer", f.list).into_any(),
        DocumentKind::ConsentForm => view! {
            {area("ed-text", "Consent text", "", f.text)}
            {input("ed-signer", "Signed by", "text", f.signer)}
            {input("ed-signed-at", "Signed on", "date", f.signed_at)}
        }
        .into_any(),
        DocumentKind::Letter => view! { {input("ed-signer", "To", "text", f.signer)} {area("ed-text", "Letter", "", f.text)} }.into_any(),
        DocumentKind::Prescription => view! {
            {area("ed-list", "Medications", "One per line: medication | dosage | instructions", f.list)}
            {area("ed-text", "Notes", "", f.text)}
        }
        .into_any(),
        DocumentKind::Invoice => view! {
            {input("ed-signer", "Currency", "text", f.signer)}
            {area("ed-list", "Lines", "One per line: description | quantity | unit price (e.g. Session | 2 | 85.00)", f.list)}
            {area("ed-text", "Notes", "", f.text)}
        }
        .into_any(),
        _ => ().into_any(),
    }
    }
}
