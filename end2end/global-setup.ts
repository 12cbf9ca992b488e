import type { FullConfig } from '@playwright/test';
import * as fs from 'node:fs';
import { startMaildev } from './lib/maildev';
import { smsEnv, startSmsRecorder } from './lib/sms';
import { ensureTmpDir, TMP_DIR } from './lib/paths';
import { readProcessRecords, stopPid } from './lib/proc';
import { writeRuntime, type DbKind, type Runtime } from './lib/runtime';
import { dropPostgresDatabase, startDossier } from './lib/server';

/** Stops processes and drops databases that a crashed earlier run left behind. */
async function cleanUpLeftovers(): Promise<void> {
  for (const rec of readProcessRecords()) {
    await stopPid(rec.pid, rec.command).catch(() => undefined);
    if (rec.postgresDatabase) await dropPostgresDatabase(rec.postgresDatabase).catch(() => undefined);
  }
}

/** Mirrors `--project` on the command line (Playwright does not pass its filter to global setup). */
function projectsToStart(config: FullConfig): DbKind[] {
  const all = config.projects.map((p) => p.name).filter((n): n is DbKind => n === 'sqlite' || n === 'postgres');
  const argv = process.argv;
  const patterns: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--project=')) patterns.push(a.slice('--project='.length));
    else if (a === '--project') {
      for (let j = i + 1; j < argv.length && !argv[j].startsWith('-'); j++) patterns.push(argv[j]);
    }
  }
  if (patterns.length === 0) return all;
  const res = patterns.map((p) => new RegExp(`^${p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i'));
  const chosen = all.filter((n) => res.some((r) => r.test(n)));
  return chosen.length > 0 ? chosen : all;
}

export default async function globalSetup(config: FullConfig): Promise<void> {
  await cleanUpLeftovers();
  fs.rmSync(TMP_DIR, { recursive: true, force: true });
  ensureTmpDir();

  const stops: Array<() => Promise<void>> = [];
  try {
    const maildev = await startMaildev();
    stops.push(maildev.stop);
    // Workers are started after global setup and inherit these.
    process.env.DOSSIER_E2E_MAILDEV_URL = maildev.webUrl;
    process.env.DOSSIER_E2E_MAILDEV_SMTP_PORT = String(maildev.smtpPort);

    const sms = await startSmsRecorder();
    stops.push(sms.stop);
    process.env.DOSSIER_E2E_SMS_URL = sms.url;

    const runtime: Runtime = {
      maildev: { webUrl: maildev.webUrl, smtpPort: maildev.smtpPort, pid: maildev.pid },
      sms: { url: sms.url, pid: sms.pid },
      servers: {},
    };
    const dbs = projectsToStart(config);
    const results = await Promise.allSettled(
      dbs.map((db) => startDossier({ db, smtpPort: maildev.smtpPort, env: smsEnv(sms.url) })),
    );
    const errors: unknown[] = [];
    results.forEach((r, i) => {
      const db = dbs[i];
      if (r.status === 'fulfilled') {
        const s = r.value;
        stops.push(s.stop);
        runtime.servers[db] = {
          url: s.url,
          pid: s.pid,
          logFile: s.logFile,
          databaseUrl: s.databaseUrl,
          postgresDatabase: s.postgresDatabase,
        };
        process.env[`DOSSIER_E2E_${db.toUpperCase()}_URL`] = s.url;
        console.log(`[e2e] ${db}: Dossier at ${s.url} (log ${s.logFile})`);
      } else {
        errors.push(r.reason);
      }
    });
    if (errors.length > 0) throw errors[0];
    writeRuntime(runtime);
    console.log(`[e2e] maildev at ${maildev.webUrl} (SMTP 127.0.0.1:${maildev.smtpPort}); texts at ${sms.url}`);
  } catch (e) {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    throw e;
  }
}
