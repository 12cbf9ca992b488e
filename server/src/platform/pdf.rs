//! Documents to PDF with printpdf (A4, built-in Helvetica, so the text is extractable by
//! `pdftotext` and no font file is shipped). Every page carries the practice name and the
//! document title in a header, an optional watermark line (the recipient, the share and
//! the time, for downloads by recipients), and "Page n of N" in the footer.
use app::domain::documents::{DocumentBody, DocumentKind, format_money};
use printpdf::{BuiltinFont, Mm, PdfDocument};

/// What goes around the body.
pub struct PdfMeta<'a> {
    pub practice: &'a str,
    pub title: &'a str,
    pub kind: DocumentKind,
    pub client_name: &'a str,
    pub date: &'a str,
    pub author: &'a str,
    pub watermark: Option<&'a str>,
}

struct Line {
    text: String,
    size: f32,
    bold: bool,
    gap_before: f32,
}

const PAGE_W: f32 = 210.0;
const PAGE_H: f32 = 297.0;
const MARGIN: f32 = 20.0;
const TOP: f32 = 262.0;
const BOTTOM: f32 = 22.0;

/// Helvetica covers Latin-1 through WinAnsi; map common typography, replace the rest.
fn latin(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{2018}' | '\u{2019}' => '\'',
            '\u{201C}' | '\u{201D}' => '"',
            '\u{2013}' | '\u{2014}' => '-',
            '\u{2022}' => '*',
            '\u{2026}' => '.',
            c if (c as u32) < 0x7f && !c.is_control() => c,
            c if (0xa0..=0xff).contains(&(c as u32)) => c,
            _ => '?',
        })
        .collect()
}

/// Greedy word wrap by an average Helvetica glyph width (about half the font size).
fn wrap(text: &str, size: f32) -> Vec<String> {
    let width_mm = PAGE_W - 2.0 * MARGIN;
    let char_mm = size * 0.5 * 0.3528;
    let max = ((width_mm / char_mm) as usize).max(20);
    let mut out = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split_whitespace() {
            if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > max {
                out.push(std::mem::take(&mut line));
            }
            if word.chars().count() > max {
                for chunk in word.chars().collect::<Vec<_>>().chunks(max) {
                    if !line.is_empty() {
                        out.push(std::mem::take(&mut line));
                    }
                    line = chunk.iter().collect();
                }
                continue;
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        out.push(line);
    }
    out
}

fn para(lines: &mut Vec<Line>, text: &str, size: f32, bold: bool, gap: f32) {
    for (i, t) in wrap(&latin(text), size).into_iter().enumerate() {
        lines.push(Line { text: t, size, bold, gap_before: if i == 0 { gap } else { 0.0 } });
    }
}

fn body_lines(meta: &PdfMeta, body: &DocumentBody) -> Vec<Line> {
    let mut l = Vec::new();
    para(&mut l, meta.title, 16.0, true, 0.0);
    para(&mut l, &format!("{} - {} - {}", meta.kind.label(), meta.client_name, meta.date), 10.0, false, 2.0);
    para(&mut l, &format!("Author: {}", meta.author), 10.0, false, 0.0);
    match body {
        DocumentBody::Form { items } => {
            for it in items {
                para(&mut l, &it.question, 11.0, true, 5.0);
                para(&mut l, if it.answer.is_empty() { "(no answer)" } else { &it.answer }, 11.0, false, 1.0);
            }
        }
        DocumentBody::Consent { text, signer_name, signed_at } => {
            para(&mut l, text, 11.0, false, 6.0);
            para(&mut l, &format!("Signed by {signer_name} on {signed_at}"), 11.0, true, 6.0);
        }
        DocumentBody::Sections { sections } => {
            for s in sections {
                let title = if s.internal { format!("{} (office use only)", s.title) } else { s.title.clone() };
                para(&mut l, &title, 12.0, true, 6.0);
                para(&mut l, &s.text, 11.0, false, 1.5);
            }
        }
        DocumentBody::Letter { addressee, body } => {
            para(&mut l, &format!("To: {addressee}"), 11.0, true, 6.0);
            para(&mut l, body, 11.0, false, 4.0);
        }
        DocumentBody::Prescription { items, notes } => {
            for it in items {
                para(&mut l, &format!("{} - {}", it.medication, it.dosage), 11.0, true, 5.0);
                if !it.instructions.is_empty() {
                    para(&mut l, &it.instructions, 11.0, false, 1.0);
                }
            }
            if !notes.is_empty() {
                para(&mut l, notes, 11.0, false, 5.0);
            }
        }
        DocumentBody::File { description } => {
            para(&mut l, if description.is_empty() { "Attached file." } else { description }, 11.0, false, 6.0);
        }
        DocumentBody::Invoice { currency, items, notes } => {
            for it in items {
                para(
                    &mut l,
                    &format!(
                        "{} x {} @ {} {} = {} {}",
                        it.quantity,
                        it.description,
                        currency,
                        format_money(it.unit_cents),
                        currency,
                        format_money(it.quantity as i64 * it.unit_cents)
                    ),
                    11.0,
                    false,
                    3.0,
                );
            }
            para(
                &mut l,
                &format!("Total: {} {}", currency, format_money(body.invoice_total().unwrap_or(0))),
                12.0,
                true,
                6.0,
            );
            if !notes.is_empty() {
                para(&mut l, notes, 11.0, false, 5.0);
            }
        }
    }
    l
}

/// Renders the document; the bytes are a complete PDF.
pub fn render(meta: &PdfMeta, body: &DocumentBody) -> Result<Vec<u8>, String> {
    write(meta.practice, meta.title, meta.watermark, &body_lines(meta, body))
}

/// A report (not a document): a title, a line under it, then titled paragraphs.
pub fn render_report(
    practice: &str,
    title: &str,
    subtitle: &str,
    entries: &[(String, Vec<String>)],
) -> Result<Vec<u8>, String> {
    let mut l = Vec::new();
    para(&mut l, title, 16.0, true, 0.0);
    para(&mut l, subtitle, 10.0, false, 2.0);
    for (heading, lines) in entries {
        para(&mut l, heading, 11.0, true, 6.0);
        for line in lines {
            para(&mut l, line, 10.0, false, 1.0);
        }
    }
    write(practice, title, None, &l)
}

/// Lays the lines out on A4 pages with the header, the footer and the watermark.
fn write(practice: &str, title: &str, watermark: Option<&str>, lines: &[Line]) -> Result<Vec<u8>, String> {
    // Paginate first so the footer can say "of N".
    let mut pages: Vec<Vec<(f32, &Line)>> = vec![Vec::new()];
    let mut y = TOP;
    for line in lines {
        let h = line.size * 0.3528 * 1.35 + line.gap_before;
        if y - h < BOTTOM {
            pages.push(Vec::new());
            y = TOP;
        }
        y -= h;
        pages.last_mut().expect("one page").push((y, line));
    }
    let (doc, p1, l1) = PdfDocument::new(latin(title), Mm(PAGE_W), Mm(PAGE_H), "content");
    let regular = doc.add_builtin_font(BuiltinFont::Helvetica).map_err(|e| e.to_string())?;
    let bold = doc.add_builtin_font(BuiltinFont::HelveticaBold).map_err(|e| e.to_string())?;
    let total = pages.len();
    for (i, page) in pages.iter().enumerate() {
        let layer = if i == 0 {
            doc.get_page(p1).get_layer(l1)
        } else {
            let (p, l) = doc.add_page(Mm(PAGE_W), Mm(PAGE_H), "content");
            doc.get_page(p).get_layer(l)
        };
        layer.use_text(latin(practice), 9.0, Mm(MARGIN), Mm(PAGE_H - 14.0), &bold);
        layer.use_text(latin(title), 9.0, Mm(MARGIN), Mm(PAGE_H - 19.0), &regular);
        if let Some(w) = watermark {
            layer.use_text(latin(w), 8.0, Mm(MARGIN), Mm(PAGE_H - 26.0), &regular);
        }
        for (y, line) in page {
            layer.use_text(&line.text, line.size, Mm(MARGIN), Mm(*y), if line.bold { &bold } else { &regular });
        }
        layer.use_text(format!("Page {} of {}", i + 1, total), 8.0, Mm(PAGE_W - MARGIN - 22.0), Mm(12.0), &regular);
        if let Some(w) = watermark {
            layer.use_text(latin(w), 7.0, Mm(MARGIN), Mm(12.0), &regular);
        }
    }
    doc.save_to_bytes().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::domain::documents::Section;

    fn pdftotext(pdf: &[u8]) -> Option<String> {
        let dir = tempfile::tempdir().ok()?;
        let path = dir.path().join("d.pdf");
        std::fs::write(&path, pdf).ok()?;
        let out = std::process::Command::new("pdftotext").arg("-layout").arg(&path).arg("-").output().ok()?;
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    #[test]
    fn pdf_has_header_body_pages_and_watermark() {
        let long = "The client reports better sleep and fewer panic episodes since the last session. ".repeat(60);
        let body = DocumentBody::Sections {
            sections: vec![
                Section { title: "Subjective".into(), text: long, internal: false },
                Section {
                    title: "Plan".into(),
                    text: "Continue weekly sessions – review in May.".into(),
                    internal: false,
                },
            ],
        };
        let meta = PdfMeta {
            practice: "Harbour Therapy",
            title: "Session 12 notes",
            kind: DocumentKind::ConsultationNote,
            client_name: "Nora Quinn",
            date: "2026-11-20",
            author: "Anna Practitioner",
            watermark: Some("Shared with Dr Gail Green - share 0190 - 2026-11-23 10:00 UTC"),
        };
        let pdf = render(&meta, &body).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let Some(text) = pdftotext(&pdf) else {
            assert!(std::env::var("CI").is_err(), "pdftotext (poppler-utils) is required in CI");
            eprintln!("!!! pdftotext (poppler-utils) not installed: PDF text checks SKIPPED");
            return;
        };
        assert!(text.contains("Harbour Therapy"), "{text}");
        assert!(text.contains("Session 12 notes"));
        assert!(text.contains("Continue weekly sessions - review in May."));
        assert!(text.contains("Page 1 of 2") || text.contains("Page 1 of 3"), "{text}");
        assert!(text.contains("Shared with Dr Gail Green"));
    }

    #[test]
    fn rendering_for_a_recipient_omits_internal_and_unchosen_sections() {
        let note = DocumentBody::Sections {
            sections: vec![
                Section { title: "Subjective".into(), text: "Sleeps better.".into(), internal: false },
                Section { title: "Assessment".into(), text: "Mild anxiety, improving.".into(), internal: false },
                Section { title: "Office use only".into(), text: "Billing code 42".into(), internal: true },
            ],
        };
        let meta = PdfMeta {
            practice: "Harbour Therapy",
            title: "Session 3",
            kind: DocumentKind::ConsultationNote,
            client_name: "Nora Quinn",
            date: "2026-11-20",
            author: "Anna Practitioner",
            watermark: None,
        };
        // The client chose to share only the first section; internal ones never go.
        let pdf = render(&meta, &note.for_recipient(Some(&[0, 2]))).unwrap();
        let Some(text) = pdftotext(&pdf) else {
            assert!(std::env::var("CI").is_err(), "pdftotext (poppler-utils) is required in CI");
            return;
        };
        assert!(text.contains("Sleeps better."), "{text}");
        assert!(!text.contains("Mild anxiety"), "an unchosen section is omitted");
        assert!(!text.contains("Billing code") && !text.contains("Office use only"), "internal sections never render");
        let whole = pdftotext(&render(&meta, &note.for_recipient(None)).unwrap()).unwrap();
        assert!(whole.contains("Mild anxiety") && !whole.contains("Billing code"));
    }

    #[test]
    fn wrapping_keeps_every_word() {
        let t = "alpha beta gamma ".repeat(40);
        let lines = wrap(&t, 11.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.join(" ").split_whitespace().count(), 120);
        assert_eq!(latin("“Hi” – ok • 日本"), "\"Hi\" - ok * ??");
    }
}
