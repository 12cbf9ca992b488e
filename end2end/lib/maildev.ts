import * as path from 'node:path';
import { E2E_DIR, freshTmpDir, TMP_DIR } from './paths';
import { freePort } from './ports';
import { isRunning, logTail, recordProcess, sleep, spawnLogged, stopChild } from './proc';

export interface Maildev {
  smtpPort: number;
  webPort: number;
  /** e.g. http://127.0.0.1:41234 — messages at `${webUrl}/api/email`. */
  webUrl: string;
  pid: number;
  stop(): Promise<void>;
}

/** The maildev CLI entry, started with node directly so its PID is the server's own. */
export const MAILDEV_ENTRY = path.join(E2E_DIR, 'node_modules', 'maildev', 'dist', 'bin', 'maildev.js');

/** Starts maildev on free ports with a fresh, empty mail directory. */
export async function startMaildev(): Promise<Maildev> {
  const smtpPort = await freePort();
  let webPort = await freePort();
  while (webPort === smtpPort) webPort = await freePort();
  const mailDir = freshTmpDir('maildev-mail');
  const logFile = path.join(TMP_DIR, `maildev-${smtpPort}.log`);
  const child = spawnLogged(
    process.execPath,
    [
      MAILDEV_ENTRY,
      '--smtp', String(smtpPort),
      '--web', String(webPort),
      '--ip', '127.0.0.1',
      '--web-ip', '127.0.0.1',
      '--mail-directory', mailDir,
    ],
    { env: { ...process.env }, logFile, label: 'maildev' },
  );
  const pid = child.pid as number;
  recordProcess({ pid, label: 'maildev', command: MAILDEV_ENTRY });
  const webUrl = `http://127.0.0.1:${webPort}`;
  const stop = () => stopChild(child);

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (!isRunning(child)) {
      throw new Error(`maildev exited early (code ${child.exitCode}); log ${logFile}:\n${logTail(logFile)}`);
    }
    try {
      const res = await fetch(`${webUrl}/api/email`);
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`maildev did not answer on ${webUrl} within 30 s; log ${logFile}:\n${logTail(logFile)}`);
    }
    await sleep(200);
  }
  return { smtpPort, webPort, webUrl, pid, stop };
}
