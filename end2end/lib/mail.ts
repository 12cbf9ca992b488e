import { sleep } from './proc';

export interface MailAddress {
  address: string;
  name: string;
}

/** The fields of a maildev 3.x message (GET /api/email) that the specs use. */
export interface Mail {
  id: string;
  time: string;
  subject: string;
  from?: MailAddress[];
  to: MailAddress[];
  text?: string;
  html?: string;
}

export interface MailQuery {
  /** Recipient address (case-insensitive). */
  to: string;
  /** A substring of the subject (case-insensitive). */
  subjectIncludes?: string;
  /** Only messages received at or after this time. */
  after?: Date;
}

export async function listMail(maildevUrl: string): Promise<Mail[]> {
  const res = await fetch(`${maildevUrl.replace(/\/$/, '')}/api/email`);
  if (!res.ok) throw new Error(`maildev answered ${res.status} for /api/email`);
  return (await res.json()) as Mail[];
}

function matches(mail: Mail, q: MailQuery): boolean {
  const to = q.to.toLowerCase();
  if (!(mail.to ?? []).some((a) => a.address.toLowerCase() === to)) return false;
  if (q.subjectIncludes && !(mail.subject ?? '').toLowerCase().includes(q.subjectIncludes.toLowerCase())) {
    return false;
  }
  if (q.after && new Date(mail.time).getTime() < q.after.getTime()) return false;
  return true;
}

/** Messages matching `q`, newest first. */
export async function findMail(maildevUrl: string, q: MailQuery): Promise<Mail[]> {
  const all = await listMail(maildevUrl);
  return all
    .filter((m) => matches(m, q))
    .sort((a, b) => new Date(b.time).getTime() - new Date(a.time).getTime());
}

/** Polls maildev until a message matches and returns the newest match. */
export async function waitForMail(maildevUrl: string, q: MailQuery, timeoutMs = 20_000): Promise<Mail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await findMail(maildevUrl, q);
    if (found.length > 0) return found[0];
    if (Date.now() > deadline) {
      const all = await listMail(maildevUrl).catch(() => [] as Mail[]);
      const seen = all.map((m) => `  to ${m.to?.map((a) => a.address).join(', ')}: ${m.subject}`).join('\n');
      throw new Error(
        `no mail to ${q.to}` +
          (q.subjectIncludes ? ` with subject containing "${q.subjectIncludes}"` : '') +
          ` arrived within ${timeoutMs} ms. Mail seen:\n${seen || '  (none)'}`,
      );
    }
    await sleep(250);
  }
}

const URL_RE = /https?:\/\/[^\s<>"'()[\]{}]+/g;

function decodeEntities(s: string): string {
  return s.replace(/&amp;/g, '&').replace(/&#x2F;/gi, '/').replace(/&#47;/g, '/');
}

/** All http(s) URLs in the message (text part first, then HTML), trailing punctuation removed. */
export function mailLinks(mail: Mail): string[] {
  const bodies = [mail.text ?? '', decodeEntities(mail.html ?? '')];
  const out: string[] = [];
  for (const body of bodies) {
    for (const m of body.match(URL_RE) ?? []) {
      out.push(m.replace(/[.,;:!?]+$/, ''));
    }
  }
  return out;
}

/** The first URL in the message whose text contains `pathPart` (e.g. '/invite/', '/reset/'). */
export function extractLink(mail: Mail, pathPart: string): string {
  const link = mailLinks(mail).find((u) => u.includes(pathPart));
  if (!link) {
    throw new Error(
      `no link containing ${pathPart} in mail "${mail.subject}" to ${mail.to?.map((a) => a.address).join(', ')}:\n` +
        (mail.text ?? mail.html ?? '(empty body)'),
    );
  }
  return link;
}
