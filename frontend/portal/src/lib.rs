//! The recipient portal's island: a few enhancements on top of pages the server renders
//! completely. Every portal page works without it (JavaScript off, an old phone, a blocked
//! script); with it, recipients get what the design promises:
//!
//! - `[data-island=otp]` (the code form): six digits typed or pasted submit the form, and
//!   where the browser has the WebOTP API the texted code (its last line is
//!   `@host #code`) fills itself in. A code is submitted once per page.
//! - `[data-island=resend]` (the "Text me a new code" form, when the server's send limit
//!   applies): its buttons wait, with a live countdown of `data-wait` seconds.
//! - `[data-island=idle]` (a `<dialog>` on verified pages): warns two minutes before the
//!   session's idle (`data-idle`) or absolute (`data-left`) limit; "Stay signed in" POSTs
//!   `/portal/keepalive`, which extends the session on the server; at the limit the page
//!   goes to `/portal`, which says the session has ended.
//! - `[data-island=print]`: a Print button (hidden in the HTML, shown here).
//! - `[data-island=renew]` (an aged link's "Email me a new link" form): sent by itself once
//!   the page has loaded and is visible, so the recipient gets the fresh email without doing
//!   anything. The GET that showed the page changed nothing (mail scanners open links).
//!
//! Size matters more than convenience here (the portal's first view is budgeted at 50 KB):
//! no Leptos, no serde, no `format!`, no panics with messages. Everything that can fail
//! (an element missing, an API absent) just leaves the page as the server rendered it.
use std::{cell::Cell, rc::Rc};

use js_sys::{Array, Date, Object, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue, closure::Closure, prelude::wasm_bindgen};
use web_sys::{
    AbortController, Document, Element, Event, HtmlButtonElement, HtmlDialogElement, HtmlElement, HtmlFormElement,
    HtmlInputElement, RequestInit, Window,
};

/// Seconds before a session's end at which the idle warning appears.
const WARN_SECONDS: f64 = 120.0;

#[wasm_bindgen(start)]
pub fn start() {
    let Some(window) = web_sys::window() else { return };
    let Some(doc) = window.document() else { return };
    if let Some(form) = island::<HtmlFormElement>(&doc, "[data-island=otp]") {
        otp(&window, form);
    }
    if let Some(form) = island::<HtmlFormElement>(&doc, "[data-island=resend]") {
        resend(&window, form);
    }
    if let Some(dialog) = island::<HtmlDialogElement>(&doc, "[data-island=idle]") {
        idle(&window, dialog);
    }
    if let Some(button) = island::<HtmlElement>(&doc, "[data-island=print]") {
        print(&window, button);
    }
    if let Some(form) = island::<HtmlFormElement>(&doc, "[data-island=renew]") {
        renew(&window, &doc, form);
    }
    // Tests (and the curious) can see the island ran.
    if let Some(body) = doc.body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}

/// The first element matching `selector`, as `T`.
fn island<T: JsCast>(doc: &Document, selector: &str) -> Option<T> {
    doc.query_selector(selector).ok().flatten().and_then(|e| e.dyn_into::<T>().ok())
}

/// Adds `f` as a listener for `event` on `target`, for the page's lifetime.
fn on(target: &web_sys::EventTarget, event: &str, f: impl FnMut(Event) + 'static) {
    let f = Closure::<dyn FnMut(Event)>::new(f);
    let _ = target.add_event_listener_with_callback(event, f.as_ref().unchecked_ref());
    f.forget();
}

/// Calls `f` every second (and once now) until it returns `false`.
fn every_second(window: &Window, mut f: impl FnMut() -> bool + 'static) {
    if !f() {
        return;
    }
    let id = Rc::new(Cell::new(0));
    let id2 = id.clone();
    let w = window.clone();
    let tick = Closure::<dyn FnMut()>::new(move || {
        if !f() {
            w.clear_interval_with_handle(id2.get());
        }
    });
    if let Ok(handle) =
        window.set_interval_with_callback_and_timeout_and_arguments_0(tick.as_ref().unchecked_ref(), 1000)
    {
        id.set(handle);
    }
    tick.forget();
}

/// Runs `ok` or `err` when `promise` settles (each closure lives until then).
fn settle(promise: &Promise, ok: Closure<dyn FnMut(JsValue)>, err: Closure<dyn FnMut(JsValue)>) {
    let _ = promise.then2(&ok, &err);
    ok.forget();
    err.forget();
}

/// "m:ss" for a number of seconds (by hand: `format!` and `to_string` would bring the
/// formatting machinery into the bundle).
fn clock(seconds: f64) -> String {
    let s = seconds.max(0.0).ceil() as u32;
    let mut out = String::new();
    digits(&mut out, s / 60);
    out.push(':');
    out.push(char::from(b'0' + (s % 60 / 10) as u8));
    out.push(char::from(b'0' + (s % 10) as u8));
    out
}

fn digits(out: &mut String, n: u32) {
    if n >= 10 {
        digits(out, n / 10);
    }
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// A whole-number attribute of `el` (seconds), or `None`. By hand: `str::parse` for floats
/// would bring the decimal-to-float tables into the bundle.
fn number(el: &Element, name: &str) -> Option<f64> {
    let text = el.get_attribute(name)?;
    if text.is_empty() || text.len() > 9 {
        return None;
    }
    let mut n = 0u32;
    for b in text.bytes() {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u32::from(b - b'0');
    }
    Some(f64::from(n))
}

/// The code form: six digits submit it, once; WebOTP fills the code where it can.
fn otp(window: &Window, form: HtmlFormElement) {
    let Some(input) = form
        .query_selector("input[autocomplete=one-time-code]")
        .ok()
        .flatten()
        .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
    else {
        return;
    };
    // One submission per page: a typed Enter after the automatic submit would spend a
    // second attempt on the same code.
    let sent = Rc::new(Cell::new(false));
    {
        let sent = sent.clone();
        on(&form, "submit", move |e| {
            if sent.replace(true) {
                e.prevent_default();
            }
        });
    }
    {
        // A page restored from the back-forward cache may submit again.
        let sent = sent.clone();
        on(window, "pageshow", move |_| sent.set(false));
    }
    {
        let (form, field) = (form.clone(), input.clone());
        on(&input, "input", move |_| {
            let value = field.value();
            let digits: String = value.chars().filter(char::is_ascii_digit).take(6).collect();
            if digits != value {
                field.set_value(&digits);
            }
            if digits.len() == 6 && !sent.get() {
                let _ = form.request_submit();
            }
        });
    }
    web_otp(window, &form, input);
}

/// WebOTP: asks the browser for the texted code (`navigator.credentials.get({otp})`).
fn web_otp(window: &Window, form: &HtmlFormElement, input: HtmlInputElement) {
    if !Reflect::has(window, &JsValue::from_str("OTPCredential")).unwrap_or(false) {
        return;
    }
    let Ok(abort) = AbortController::new() else { return };
    let options = Object::new();
    let otp = Object::new();
    let _ = Reflect::set(&otp, &JsValue::from_str("transport"), &Array::of1(&JsValue::from_str("sms")));
    let _ = Reflect::set(&options, &JsValue::from_str("otp"), &otp);
    let _ = Reflect::set(&options, &JsValue::from_str("signal"), &abort.signal());
    let Ok(asked) = window.navigator().credentials().get_with_options(options.unchecked_ref()) else { return };
    let filled = Closure::<dyn FnMut(JsValue)>::once(move |credential: JsValue| {
        if let Some(code) = Reflect::get(&credential, &JsValue::from_str("code")).ok().and_then(|c| c.as_string()) {
            input.set_value(&code);
            if let Ok(e) = Event::new("input") {
                let _ = input.dispatch_event(&e);
            }
        }
    });
    // Refused, aborted or unsupported: the field is still there to type into.
    settle(&asked, filled, Closure::once(|_: JsValue| {}));
    // Typing the code by hand ends the wait for the text.
    on(form, "submit", move |_| abort.abort());
}

/// The send form while the server's limit applies: buttons wait, with a countdown.
fn resend(window: &Window, form: HtmlFormElement) {
    let Some(wait) = number(&form, "data-wait").filter(|w| *w > 0.0) else { return };
    let until = Date::now() + wait * 1000.0;
    let buttons: Vec<HtmlButtonElement> = match form.query_selector_all("button") {
        Ok(list) => (0..list.length()).filter_map(|i| list.item(i)?.dyn_into::<HtmlButtonElement>().ok()).collect(),
        Err(_) => return,
    };
    let text = form.query_selector("[data-role=countdown]").ok().flatten();
    every_second(window, move || {
        let left = (until - Date::now()) / 1000.0;
        let waiting = left > 0.0;
        for b in &buttons {
            b.set_disabled(waiting);
        }
        if let Some(t) = &text {
            if waiting {
                let mut s = String::from("You can ask for another code in ");
                s.push_str(&clock(left));
                s.push('.');
                t.set_text_content(Some(&s));
            } else {
                let _ = t.set_attribute("hidden", "");
            }
        }
        waiting
    });
}

/// The idle warning and the end of the session.
fn idle(window: &Window, dialog: HtmlDialogElement) {
    let (Some(idle), Some(left)) = (number(&dialog, "data-idle"), number(&dialog, "data-left")) else { return };
    let now = Date::now();
    // The absolute end never moves; the idle end moves with every "Stay signed in".
    let absolute = now + left * 1000.0;
    let deadline = Rc::new(Cell::new((now + idle * 1000.0).min(absolute)));
    let text = dialog.query_selector("[data-role=idle-text]").ok().flatten();
    let stay = dialog.query_selector("[data-role=stay]").ok().flatten().and_then(|e| e.dyn_into::<HtmlElement>().ok());

    if let Some(button) = &stay {
        let (w, dialog, deadline) = (window.clone(), dialog.clone(), deadline.clone());
        on(button, "click", move |_| keep_alive(&w, &dialog, &deadline, idle, absolute));
    }
    let w = window.clone();
    every_second(window, move || {
        let left = (deadline.get() - Date::now()) / 1000.0;
        if left <= -1.0 {
            // The server has ended the session too: /portal says so.
            let _ = w.location().assign("/portal");
            return false;
        }
        if left <= WARN_SECONDS {
            let last = absolute - deadline.get() < 1000.0;
            if let Some(t) = &text {
                let mut s = String::from(if last {
                    "Your session ends in "
                } else {
                    "For your privacy, you will be signed out in "
                });
                s.push_str(&clock(left));
                s.push_str(if last { ". Open the link in your email again to continue." } else { "." });
                t.set_text_content(Some(&s));
            }
            if let Some(b) = &stay {
                b.set_hidden(last);
            }
            if !dialog.open() {
                let _ = dialog.show_modal();
            }
        } else if dialog.open() {
            dialog.close();
        }
        true
    });
}

/// "Stay signed in": the server extends the session, then the warning closes.
fn keep_alive(window: &Window, dialog: &HtmlDialogElement, deadline: &Rc<Cell<f64>>, idle: f64, absolute: f64) {
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_credentials(web_sys::RequestCredentials::SameOrigin);
    let asked: Promise = window.fetch_with_str_and_init("/portal/keepalive", &init);
    let (w, dialog, deadline) = (window.clone(), dialog.clone(), deadline.clone());
    let answered = Closure::<dyn FnMut(JsValue)>::once(move |response: JsValue| {
        let ok = response.dyn_into::<web_sys::Response>().map(|r| r.ok()).unwrap_or(false);
        if ok {
            deadline.set((Date::now() + idle * 1000.0).min(absolute));
            dialog.close();
        } else {
            let _ = w.location().assign("/portal");
        }
    });
    // Offline for a moment: the warning stays up and the button can be pressed again.
    settle(&asked, answered, Closure::once(|_: JsValue| {}));
}

/// The Print button exists only where printing works from the page.
fn print(window: &Window, button: HtmlElement) {
    button.set_hidden(false);
    let w = window.clone();
    on(&button, "click", move |_| {
        let _ = w.print();
    });
}

/// An aged link renews itself once the page has loaded and is visible.
fn renew(window: &Window, doc: &Document, form: HtmlFormElement) {
    let done = Rc::new(Cell::new(false));
    let attempt = {
        let (doc, form, done) = (doc.clone(), form.clone(), done.clone());
        move || {
            let ready = doc.ready_state() == "complete";
            let visible = doc.visibility_state() == web_sys::VisibilityState::Visible;
            if done.get() || !ready || !visible {
                return;
            }
            done.set(true);
            if let Some(b) =
                form.query_selector("button").ok().flatten().and_then(|e| e.dyn_into::<HtmlButtonElement>().ok())
            {
                b.set_text_content(Some("Sending you a new link…"));
                b.set_disabled(true);
            }
            form.submit().ok();
        }
    };
    attempt();
    let again = attempt.clone();
    on(window, "load", move |_| again());
    on(doc, "visibilitychange", move |_| attempt());
}
