//! The emails Dossier sends about staff accounts. They carry a link and no clinical data.
use crate::{
    delivery::mail::OutgoingEmail,
    platform::entities::{practice, staff},
};

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn html_body(paragraphs: &[String], link: &str, button: &str) -> String {
    let ps: String = paragraphs.iter().map(|p| format!("<p>{}</p>", escape(p))).collect();
    format!(
        "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;color:#1f2933;line-height:1.5\">{ps}\
         <p><a href=\"{l}\" style=\"display:inline-block;background:#1f5f8b;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none\">{b}</a></p>\
         <p style=\"font-size:13px;color:#52606d\">If the button does not work, copy this address into your browser:<br>{l}</p></body></html>",
        l = escape(link),
        b = escape(button)
    )
}

/// An email of Dossier's own: the configured sender, no attachments.
fn email(to: &str, to_name: &str, subject: String, text: String, html: String) -> OutgoingEmail {
    OutgoingEmail {
        from: None,
        from_name: None,
        attachments: Vec::new(),
        to: to.to_owned(),
        to_name: Some(to_name.to_owned()),
        subject,
        text,
        html,
    }
}

/// To a staff member: `lines` as paragraphs, then `link` (in the HTML version a button that
/// says `button`), and in the text version `after` below the link.
fn to_staff(
    to: &staff::Model,
    subject: String,
    lines: &[String],
    link: &str,
    button: &str,
    after: &str,
) -> OutgoingEmail {
    let text = format!("{}\n\n{link}\n{after}", lines.join("\n\n"));
    email(&to.email, &to.display_name, subject, text, html_body(lines, link, button))
}

pub fn invitation(to: &staff::Model, practice: &practice::Model, inviter: &str, link: &str) -> OutgoingEmail {
    let lines = vec![
        format!("Hello {},", to.display_name),
        format!("{inviter} has invited you to join {} on Dossier, the practice's secure document sharing.", practice.name),
        "Open the link below to choose your password and set up two-step verification. The link works once and expires in 72 hours.".to_string(),
    ];
    to_staff(
        to,
        format!("You're invited to {} on Dossier", practice.name),
        &lines,
        link,
        "Accept invitation",
        "\nIf you did not expect this invitation, you can ignore this email.\n",
    )
}

/// To an address that already has an account in another practice: the inviter is told
/// nothing about it (no cross-practice oracle), the address's owner is told here.
pub fn invitation_elsewhere(to: &str, to_name: &str, practice: &practice::Model, inviter: &str) -> OutgoingEmail {
    let text = format!(
        "Hello {to_name},\n\n{inviter} tried to invite this email address to {} on Dossier. It already has a \
         Dossier account with another practice, and one address can belong to one practice only.\n\n\
         If you want to join {}, give them another email address to invite. If you did not expect this, you can \
         ignore this email: nothing has changed.\n",
        practice.name, practice.name
    );
    let html = format!(
        "<!DOCTYPE html><html><body style=\"font-family:sans-serif;line-height:1.5\">{}</body></html>",
        text.split("\n\n").map(|p| format!("<p>{}</p>", escape(p.trim()))).collect::<String>()
    );
    email(to, to_name, format!("An invitation to {} on Dossier", practice.name), text, html)
}

pub fn password_reset(to: &staff::Model, practice: &practice::Model, link: &str) -> OutgoingEmail {
    let lines = vec![
        format!("Hello {},", to.display_name),
        format!("Someone asked to reset the password of your Dossier account at {}.", practice.name),
        "Open the link below to choose a new password. It works once and expires in one hour. If you did not ask for this, ignore this email: your password stays as it is.".to_string(),
    ];
    to_staff(to, "Reset your Dossier password".to_string(), &lines, link, "Choose a new password", "")
}

/// Tells the sender something happened to a share: first opened, or locked by failed
/// attempts. Names the recipient (whom the sender chose), never the client or documents.
pub fn share_event(to: &staff::Model, recipient: &str, event: ShareEvent, link: &str) -> OutgoingEmail {
    let (subject, line) = match event {
        ShareEvent::Opened => (
            format!("{recipient} opened the documents you shared"),
            format!("{recipient} verified and opened the documents you shared with them."),
        ),
        ShareEvent::Locked => (
            format!("A share with {recipient} was locked"),
            format!(
                "Someone made too many unsuccessful attempts to open the documents you shared with {recipient}, so the link was locked. \
                 If it was {recipient}, you can unlock the share or send a new one."
            ),
        ),
    };
    let lines = vec![format!("Hello {},", to.display_name), line];
    to_staff(to, subject, &lines, link, "See your shares", "")
}

/// What [`share_event`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShareEvent {
    Opened,
    Locked,
}
