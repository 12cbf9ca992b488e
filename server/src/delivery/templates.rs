//! The emails' content that staff shape: the practice's sharing settings (read), the
//! email template sandbox (checked when saved, rendered with bounded work on the blocking
//! pool), the share email and the attachment email built from it, and the labels both
//! sharing and the portal put in front of recipients. A foundation: sharing (sending,
//! resending, the sweeper's reminders) and the portal (a fresh link) both write these
//! emails, and neither reaches into the other for them.
use app::{
    domain::{
        documents::DocumentKind,
        sharing::{SharingSettings, TEMPLATE_PLACEHOLDERS},
    },
    error::AppError,
};
use sea_orm::{ConnectionTrait, EntityTrait};
use std::collections::BTreeSet;

use crate::{delivery::mail::OutgoingEmail, platform::entities::practice_settings, platform::error::ServerError};

/// The practice's sharing settings (the defaults until an admin saves them).
pub async fn load_settings<C: ConnectionTrait>(db: &C, practice_id: &str) -> Result<SharingSettings, ServerError> {
    Ok(match practice_settings::Entity::find_by_id(practice_id.to_owned()).one(db).await? {
        Some(r) => serde_json::from_str(&r.sharing)?,
        None => SharingSettings::default(),
    })
}

/// The template sandbox's limits. A template is data an admin types: it must not be able
/// to make the server loop, recurse or build a huge email. Fuel bounds the instructions
/// of one render (minijinja `fuel`), the recursion limit bounds nesting (loops, macros,
/// includes), and the output is cut off past [`TEMPLATE_MAX_OUTPUT`]. Every limit is
/// tried when the template is saved, with the longest values a share can carry, so a
/// template that passes renders within them for every share. Every render, and the
/// save-time trial, runs on the blocking pool, never on the async runtime.
pub const TEMPLATE_FUEL: u64 = 20_000;
pub const TEMPLATE_RECURSION: usize = 16;
pub const TEMPLATE_MAX_OUTPUT: usize = 32 * 1024;
/// The longest template an admin may save.
pub const TEMPLATE_MAX_SOURCE: usize = 16 * 1024;

/// The text filters a placeholder may take (`{{ recipient_name|title }}`): each is linear
/// in its input, so a template's work stays proportional to its length.
pub const TEMPLATE_FILTERS: [&str; 5] = ["upper", "lower", "title", "capitalize", "trim"];

pub(crate) fn template_env() -> minijinja::Environment<'static> {
    // `empty()`: no built-in functions, filters or tests (no `range`, `join`, `unique`,
    // `batch`, `indent` …), only the few filters above.
    let mut env = minijinja::Environment::empty();
    env.add_filter("upper", minijinja::filters::upper);
    env.add_filter("lower", minijinja::filters::lower);
    env.add_filter("title", minijinja::filters::title);
    env.add_filter("capitalize", minijinja::filters::capitalize);
    env.add_filter("trim", minijinja::filters::trim);
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.set_fuel(Some(TEMPLATE_FUEL));
    env.set_recursion_limit(TEMPLATE_RECURSION);
    env
}

/// A writer that refuses to grow past `limit` bytes.
struct Bounded {
    out: Vec<u8>,
    limit: usize,
    overflowed: bool,
}

impl std::io::Write for Bounded {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.out.len() + buf.len() > self.limit {
            self.overflowed = true;
            return Err(std::io::Error::other("template output limit"));
        }
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Why a template cannot be used, in words for the admin.
#[derive(Debug)]
pub enum TemplateFailure {
    Syntax(String),
    TooMuchWork,
    TooDeep,
    TooLong,
    Other(String),
}

impl std::fmt::Display for TemplateFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TemplateFailure::Syntax(d) => write!(f, "The template does not read: {d}"),
            TemplateFailure::TooMuchWork => {
                f.write_str("The template does too much work (loops inside loops?): keep it to text and placeholders.")
            }
            TemplateFailure::TooDeep => f.write_str("The template nests too deeply: keep it to text and placeholders."),
            TemplateFailure::TooLong => {
                write!(f, "The email this template makes would be longer than {} KB.", TEMPLATE_MAX_OUTPUT / 1024)
            }
            TemplateFailure::Other(d) => write!(f, "The template cannot be used: {d}"),
        }
    }
}

/// Renders `src` inside the sandbox.
pub(crate) fn render_bounded(
    env: &minijinja::Environment<'_>,
    src: &str,
    ctx: &minijinja::Value,
) -> Result<String, TemplateFailure> {
    let t = env
        .template_from_str(src)
        .map_err(|e| TemplateFailure::Syntax(e.detail().unwrap_or("syntax error").to_owned()))?;
    let mut w = Bounded { out: Vec::new(), limit: TEMPLATE_MAX_OUTPUT, overflowed: false };
    match t.render_captured_to(ctx, &mut w) {
        Ok(_) => String::from_utf8(w.out).map_err(|_| TemplateFailure::Other("not text".into())),
        Err(_) if w.overflowed => Err(TemplateFailure::TooLong),
        Err(e) if e.kind() == minijinja::ErrorKind::OutOfFuel => Err(TemplateFailure::TooMuchWork),
        Err(e) if e.to_string().contains("recursion limit") => Err(TemplateFailure::TooDeep),
        Err(e) => Err(TemplateFailure::Other(e.detail().unwrap_or("it fails to render").to_owned())),
    }
}

/// Checks a template: it parses, uses only known placeholders (`link` in the body), and
/// renders inside the sandbox's limits with the longest values a share can carry.
pub async fn check_template(subject: &str, body: &str) -> Result<(), ServerError> {
    let (subject, body) = (subject.to_owned(), body.to_owned());
    Ok(tokio::task::spawn_blocking(move || check_template_blocking(&subject, &body))
        .await
        .map_err(|e| ServerError::fault(format!("template check: {e}")))??)
}

/// The template language an admin may use, checked before the template engine sees the
/// text: plain text, placeholders (`{{ recipient_name }}`, optionally with one of
/// [`TEMPLATE_FILTERS`]: `{{ practice_name|upper }}`), conditions on a placeholder
/// (`{% if message %}` … `{% elif … %}` … `{% else %}` … `{% endif %}`, `not` allowed) and
/// comments (`{# … #}`). Nothing else: no loops, `set`, macros, operators, literals or
/// function calls, so no template can make a render loop, grow a value without bound or
/// reach a slow path of the engine; the work of a render is linear in the template's length.
/// The engine's own limits (fuel, recursion, output) stay as a second line.
pub(crate) fn check_template_constructs(src: &str) -> Result<(), String> {
    const HELP: &str = "Use only text, placeholders such as {{ recipient_name }} and conditions such as {% if message %} … {% endif %}";
    let is_ident = |w: &str| {
        let mut cs = w.chars();
        cs.next().is_some_and(|c| c.is_ascii_lowercase() || c == '_')
            && cs.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    };
    let shown = |inner: &str| {
        let t: String = inner.chars().take(40).collect();
        if inner.chars().count() > 40 { format!("{t}…") } else { t }
    };
    let mut rest = src;
    while let Some(i) = rest.find('{') {
        let after = &rest[i + 1..];
        let (close, kind) = match after.as_bytes().first() {
            Some(b'{') => ("}}", b'{'),
            Some(b'%') => ("%}", b'%'),
            Some(b'#') => ("#}", b'#'),
            _ => {
                rest = after;
                continue;
            }
        };
        let body = &after[1..];
        let Some(end) = body.find(close) else {
            let open = if kind == b'{' {
                "{{"
            } else if kind == b'%' {
                "{%"
            } else {
                "{#"
            };
            return Err(format!("A {open} is never closed with {close}."));
        };
        rest = &body[end + 2..];
        if kind == b'#' {
            continue;
        }
        // Whitespace control (`{{-`, `-}}`, `{%+` …) is fine.
        let inner = body[..end].trim_start_matches(['-', '+']).trim_end_matches(['-', '+']).trim();
        let ok = if kind == b'{' {
            let mut parts = inner.split('|').map(str::trim);
            parts.next().is_some_and(is_ident) && parts.all(|f| TEMPLATE_FILTERS.contains(&f))
        } else {
            let words: Vec<&str> = inner.split_whitespace().collect();
            match words.as_slice() {
                ["else"] | ["endif"] => true,
                ["if" | "elif", w] | ["if" | "elif", "not", w] => is_ident(w),
                _ => false,
            }
        };
        if !ok {
            let (open, close) = if kind == b'{' { ("{{", "}}") } else { ("{%", "%}") };
            return Err(format!("{HELP}: “{open} {} {close}” cannot be used.", shown(inner)));
        }
    }
    Ok(())
}

pub(crate) fn check_template_blocking(subject: &str, body: &str) -> Result<(), AppError> {
    for (field, src) in [("subject", subject), ("body", body)] {
        if src.len() > TEMPLATE_MAX_SOURCE {
            return Err(AppError::invalid(
                field,
                format!("Keep the template under {} KB.", TEMPLATE_MAX_SOURCE / 1024),
            ));
        }
        check_template_constructs(src).map_err(|m| AppError::invalid(field, m))?;
    }
    let env = template_env();
    let allowed: BTreeSet<&str> = TEMPLATE_PLACEHOLDERS.iter().map(|(k, _)| *k).collect();
    for (field, src) in [("subject", subject), ("body", body)] {
        let t = env.template_from_str(src).map_err(|e| {
            AppError::invalid(field, format!("The template does not read: {}", e.detail().unwrap_or("syntax error")))
        })?;
        let used = t.undeclared_variables(false);
        if let Some(unknown) = used.iter().find(|v| !allowed.contains(v.as_str())) {
            return Err(AppError::invalid(
                field,
                format!(
                    "Unknown placeholder {{{{ {unknown} }}}}. Use: {}.",
                    allowed.iter().copied().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        if field == "body" && !used.contains("link") {
            return Err(AppError::invalid("body", "The email must contain {{ link }}."));
        }
        if field == "subject" && used.contains("link") {
            return Err(AppError::invalid("subject", "Keep the link out of the subject."));
        }
    }
    // The worst case a share can bring: every value at its longest.
    let long = |n: usize| "w".repeat(n);
    let worst = minijinja::context! {
        recipient_name => long(200), practice_name => long(200), sender_name => long(200),
        expires => long(40), link => long(120), message => long(MAX_MESSAGE_CHARS),
    };
    for (field, src) in [("subject", subject), ("body", body)] {
        render_bounded(&env, src, &worst).map_err(|f| AppError::invalid(field, f.to_string()))?;
    }
    Ok(())
}

pub use app::domain::sharing::MAX_MESSAGE_CHARS;

/// Values for the placeholders.
pub struct TemplateValues<'a> {
    pub recipient_name: &'a str,
    pub practice_name: &'a str,
    pub sender_name: &'a str,
    pub expires: &'a str,
    pub link: &'a str,
    pub message: &'a str,
}

/// Renders `srcs` with the placeholders' values inside the sandbox, on the blocking pool
/// (a template is bounded, but its rendering is still CPU work kept off the runtime).
async fn render_templates<const N: usize>(
    srcs: [String; N],
    ctx: minijinja::Value,
) -> Result<[String; N], ServerError> {
    tokio::task::spawn_blocking(move || {
        let env = template_env();
        let mut out: [String; N] = std::array::from_fn(|_| String::new());
        for (o, src) in out.iter_mut().zip(srcs.iter()) {
            *o = render_bounded(&env, src, &ctx).map_err(|f| ServerError::fault(format!("share email: {f}")))?;
        }
        Ok(out)
    })
    .await
    .map_err(|e| ServerError::fault(format!("template render: {e}")))?
}

/// Renders the share email: plain text from the template, and HTML from the same text
/// (every value escaped, the link made clickable). No clinical data is ever a value.
pub async fn render_email(
    settings: &SharingSettings,
    to: &str,
    v: &TemplateValues<'_>,
    from: Option<String>,
) -> Result<OutgoingEmail, ServerError> {
    let ctx = minijinja::context! {
        recipient_name => v.recipient_name, practice_name => v.practice_name, sender_name => v.sender_name,
        expires => v.expires, link => v.link, message => v.message,
    };
    let [subject, text] =
        render_templates([settings.template.subject.clone(), settings.template.body.clone()], ctx).await?;
    let mut mail = email_from_text(to, v.recipient_name, subject.replace(['\r', '\n'], " "), text, Some(v.link), from);
    mail.from_name = Some(v.practice_name.to_owned());
    Ok(mail)
}

/// The email for a share delivered as attachments: the practice's subject, and a fixed
/// body (there is no link to open), with the PDFs attached.
pub async fn render_attachment_email(
    settings: &SharingSettings,
    to: &str,
    v: &TemplateValues<'_>,
    files: usize,
    from: Option<String>,
) -> Result<OutgoingEmail, ServerError> {
    let ctx = minijinja::context! {
        recipient_name => v.recipient_name, practice_name => v.practice_name, sender_name => v.sender_name,
        expires => v.expires, link => "", message => v.message,
    };
    let [subject] = render_templates([settings.template.subject.clone()], ctx).await?;
    let subject = subject.replace(['\r', '\n'], " ");
    let what = if files == 1 { "a document".to_owned() } else { format!("{files} documents") };
    let text = format!(
        "Hello {},\n\n{} at {} has sent you {what}, attached to this email.\n\n{}\n\n\
         The attachments are yours to keep: store them somewhere safe. If you were not expecting this email, \
         please delete it and let {} know.",
        v.recipient_name, v.sender_name, v.practice_name, v.message, v.practice_name
    );
    let mut mail = email_from_text(to, v.recipient_name, subject, text, None, from);
    mail.from_name = Some(v.practice_name.to_owned());
    Ok(mail)
}

/// Plain text as written, and HTML from the same text (every value escaped, paragraphs
/// kept, the link made clickable).
fn email_from_text(
    to: &str,
    to_name: &str,
    subject: String,
    text: String,
    link: Option<&str>,
    from: Option<String>,
) -> OutgoingEmail {
    let text = text.split("\n\n\n").collect::<Vec<_>>().join("\n\n");
    let escaped = minijinja::HtmlEscape(&text).to_string();
    let mut html = escaped.split("\n\n").map(|p| format!("<p>{}</p>", p.replace('\n', "<br>"))).collect::<String>();
    if let Some(link) = link {
        let link_escaped = minijinja::HtmlEscape(link).to_string();
        // The link is ours (public URL + base64url token); the attribute keeps it verbatim
        // when it has nothing to escape, otherwise the escaped form.
        let href = if link.contains(['"', '<', '>', '&', '\'']) { link_escaped.clone() } else { link.to_owned() };
        html = html.replace(&link_escaped, &format!("<a href=\"{href}\">{href}</a>"));
        // A clear button right after the paragraph that carries the link (the link itself
        // stays in the text for mail programs that show no buttons).
        let button = format!(
            "<p><a href=\"{href}\" style=\"display:inline-block;background:#1f5f8b;color:#ffffff;\
             padding:12px 20px;border-radius:6px;text-decoration:none;font-weight:600\">View documents</a></p>"
        );
        match html.find("<a href=").and_then(|at| html[at..].find("</p>").map(|end| at + end + 4)) {
            Some(after) => html.insert_str(after, &button),
            None => html.push_str(&button),
        }
    }
    OutgoingEmail {
        to: to.to_owned(),
        to_name: Some(to_name.to_owned()),
        subject,
        text,
        html: format!(
            "<!DOCTYPE html><html><body style=\"font-family:sans-serif;line-height:1.5\">{html}</body></html>"
        ),
        from,
        from_name: None,
        attachments: Vec::new(),
    }
}

/// The From address for these kinds: the kind's own address when all share one,
/// otherwise the general address; `None` falls back to the server's configured sender.
pub fn from_for(settings: &SharingSettings, kinds: &[DocumentKind]) -> Option<String> {
    let f = &settings.from;
    let of = |k: DocumentKind| -> &str {
        match k {
            DocumentKind::Invoice => &f.invoices,
            DocumentKind::ConsultationNote | DocumentKind::ClientNote | DocumentKind::TreatmentNote => {
                &f.consultation_notes
            }
            DocumentKind::Prescription => &f.prescriptions,
            DocumentKind::Letter => &f.letters,
            DocumentKind::LabResult => &f.labs,
            _ => "",
        }
    };
    let specific: BTreeSet<&str> = kinds.iter().map(|k| of(*k)).collect();
    let one = (specific.len() == 1).then(|| *specific.iter().next().expect("one")).filter(|s| !s.is_empty());
    one.or((!f.general.is_empty()).then_some(f.general.as_str())).map(str::to_owned)
}

/// An expiry date as recipients read it: `30 November 2026`.
pub fn expires_label(d: chrono::NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_accept_known_placeholders_only() {
        let s = SharingSettings::default();
        check_template_blocking(&s.template.subject, &s.template.body).unwrap();
        let e = check_template_blocking("Hi {{ recipient_name }}", "{{ link }} {{ diagnosis }}").unwrap_err();
        assert!(e.to_string().contains("Unknown placeholder {{ diagnosis }}"), "{e}");
        assert!(check_template_blocking("Hi", "no link here").unwrap_err().to_string().contains("{{ link }}"));
        assert!(check_template_blocking("{{ link }}", "{{ link }}").is_err(), "no link in subjects");
        assert!(check_template_blocking("Hi {{", "{{ link }}").is_err());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 500, ..Default::default() })]

        /// Whatever an admin types, the checker answers (no panic, no runaway render): a
        /// template it accepts renders within the sandbox's limits.
        #[test]
        fn any_template_is_checked_and_bounded(
            body in proptest::prelude::prop_oneof![
                proptest::prelude::any::<String>(),
                "(\\{\\{ link \\}\\}|\\{\\{ message \\}\\}|\\{% for x in link %\\}|\\{% endfor %\\}|\\{% if message %\\}|\\{% endif %\\}|\\{\\{|%\\}|[a-z ]{1,5}){0,24}",
            ],
        ) {
            if check_template_blocking("Hi", &body).is_ok() {
                let env = template_env();
                let ctx = minijinja::context! { recipient_name => "R", practice_name => "P", sender_name => "S",
                    expires => "E", link => "L", message => "M" };
                let out = render_bounded(&env, &body, &ctx);
                proptest::prop_assert!(out.is_ok(), "{:?}", out.err());
                proptest::prop_assert!(out.unwrap().len() <= TEMPLATE_MAX_OUTPUT);
            }
        }
    }

    #[test]
    fn templates_are_sandboxed() {
        let ok = |b: &str| check_template_blocking("Hi", b);
        let refused = |b: &str| {
            let e = ok(b).unwrap_err();
            assert_eq!(e.field(), Some("body"), "{b}");
            e.to_string()
        };
        // Loops, macros, `set`, operators, literals and calls are not part of the language,
        // so none of them can make a render loop or grow a value without bound.
        for b in [
            "{% for a in link %}{% for b in link %}{{ b }}{% endfor %}{% endfor %}{{ link }}",
            "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}{{ link }}",
            "{% set a = message ~ message %}{% set a = a ~ a %}{{ a }}{{ link }}",
            "{{ message * 1000000000 }}{{ link }}",
            "{{ range(100000)|join }}{{ link }}",
            "{{ message|indent(999999999) }}{{ link }}",
            "{{ link }}{% raw %}{% endraw %}",
            "{{ link }}{% include 'x' %}",
        ] {
            let e = refused(b);
            assert!(e.contains("cannot be used") && e.contains("{% if message %}"), "{b}: {e}");
        }
        // The refusal quotes at most 40 characters of the construct.
        assert!(refused(&format!("{{{{ link }}}}{{% for x in {} %}}", "y".repeat(500))).chars().count() < 250);
        assert!(refused("{{ link").contains("never closed"));
        assert!(refused("{{ link }}{# open comment").contains("never closed"));
        // A short template that makes a huge email.
        let e = refused(&format!("{}{{{{ link }}}}", "{{ message }}".repeat(20)));
        assert!(e.contains("longer than 32 KB"), "{e}");
        // What admins do write passes: conditions, `not`, filters, comments, whitespace control.
        ok("Hello {{ recipient_name }}{% if message %}\n\n{{ message }}{% endif %}\n\n{{ link }}").unwrap();
        ok("{# greeting #}Dear {{- recipient_name|title -}},{% if not message %} hello{% elif sender_name %}!{% else %}.{% endif %} {{ practice_name | upper }} {{ link }}").unwrap();
        // Braces in ordinary text are text.
        ok("Prices {in brackets} and {x} stay text: {{ link }}").unwrap();
    }

    #[tokio::test]
    async fn email_escapes_values_and_carries_the_link() {
        let s = SharingSettings::default();
        let m = render_email(
            &s,
            "gail@example.org",
            &TemplateValues {
                recipient_name: "Gail <b>Green</b>",
                practice_name: "Harbour Therapy",
                sender_name: "Anna",
                expires: "30 November 2026",
                link: "https://dossier.example/s/abc",
                message: "See you <soon>",
            },
            None,
        )
        .await
        .unwrap();
        assert_eq!(m.subject, "Harbour Therapy has shared documents with you");
        assert!(m.text.contains("https://dossier.example/s/abc") && m.text.contains("30 November 2026"));
        assert!(m.html.contains("<a href=\"https://dossier.example/s/abc\">"));
        assert!(m.html.contains("View documents</a></p>"), "a button: {}", m.html);
        assert_eq!(m.from_name.as_deref(), Some("Harbour Therapy"), "from the practice");
        assert!(m.html.contains("Gail &lt;b&gt;Green") && !m.html.contains("<b>"), "{}", m.html);
        assert!(m.html.contains("See you &lt;soon&gt;"));
    }

    #[test]
    fn from_address_follows_the_kinds() {
        let mut s = SharingSettings::default();
        s.from.general = "office@clinic.test".into();
        s.from.invoices = "billing@clinic.test".into();
        assert_eq!(from_for(&s, &[DocumentKind::Invoice]).as_deref(), Some("billing@clinic.test"));
        assert_eq!(from_for(&s, &[DocumentKind::Invoice, DocumentKind::Letter]).as_deref(), Some("office@clinic.test"));
        assert_eq!(from_for(&s, &[DocumentKind::Letter]).as_deref(), Some("office@clinic.test"));
        s.from.general.clear();
        assert_eq!(from_for(&s, &[DocumentKind::Letter]), None);
    }
}
