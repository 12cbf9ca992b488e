import * as path from 'node:path';
import { E2E_DIR, TMP_DIR } from './paths';
import { freePort } from './ports';
import { isRunning, logTail, recordProcess, sleep, spawnLogged, stopChild } from './proc';

/** A text or call that reached the SMS recorder (the suite's stand-in for Twilio). */
export interface Sms {
  at: string;
  account: string;
  channel: 'sms' | 'voice';
  to: string;
  from: string;
  /** The message body, or the TwiML of a call. */
  text: string;
  authorized: boolean;
  sid: string;
}

export interface SmsRecorder {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** The environment that points a Dossier server at the recorder. */
export function smsEnv(url: string): Record<string, string> {
  return {
    DOSSIER__SMS__PROVIDER: 'twilio',
    DOSSIER__SMS__TWILIO_BASE_URL: url,
    DOSSIER__SMS__ACCOUNT_SID: 'ACe2e0000000000000000000000000000',
    DOSSIER__SMS__AUTH_TOKEN: 'e2e-token',
    DOSSIER__SMS__FROM: '+15005550006',
  };
}

export async function startSmsRecorder(): Promise<SmsRecorder> {
  const port = await freePort();
  const logFile = path.join(TMP_DIR, `sms-recorder-${port}.log`);
  const entry = path.join(E2E_DIR, 'lib', 'sms-recorder.mjs');
  const child = spawnLogged(process.execPath, [entry, String(port)], { env: { ...process.env }, logFile, label: 'sms' });
  const pid = child.pid as number;
  recordProcess({ pid, label: 'sms', command: entry });
  const url = `http://127.0.0.1:${port}`;
  const stop = () => stopChild(child);
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (!isRunning(child)) throw new Error(`sms recorder exited early; log ${logFile}:\n${logTail(logFile)}`);
    try {
      if ((await fetch(`${url}/messages`)).ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`sms recorder did not answer on ${url}`);
    }
    await sleep(100);
  }
  return { url, pid, stop };
}

export async function listSms(url: string): Promise<Sms[]> {
  const res = await fetch(`${url}/messages`);
  if (!res.ok) throw new Error(`sms recorder answered ${res.status}`);
  return (await res.json()) as Sms[];
}

/** Waits for the newest text or call to `to` sent after `after`. */
export async function waitForSms(url: string, q: { to: string; after: Date }, timeoutMs = 20_000): Promise<Sms> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await listSms(url)).filter((m) => m.to === q.to && new Date(m.at) >= q.after);
    if (found.length > 0) return found[found.length - 1];
    if (Date.now() > deadline) throw new Error(`no text or call to ${q.to} within ${timeoutMs} ms`);
    await sleep(200);
  }
}
