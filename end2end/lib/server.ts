import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { freshTmpDir, TMP_DIR } from './paths';
import { freePort } from './ports';
import { isRunning, logTail, recordProcess, sleep, spawnLogged, stopChild } from './proc';
import { maildevSmtpPort, type DbKind } from './runtime';

const execFileP = promisify(execFile);

export const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface StartOptions {
  db: DbKind;
  /** Extra or overriding environment for the server (e.g. a short idle timeout). */
  env?: Record<string, string>;
  /** Used in log file names; defaults to the database kind. */
  label?: string;
  /** SMTP port of maildev; defaults to the one global setup started. */
  smtpPort?: number;
  /** How long to wait for GET /healthz == 200. */
  healthTimeoutMs?: number;
}

export interface DossierServer {
  /** http://localhost:<port>, no trailing slash. */
  url: string;
  port: number;
  pid: number;
  logFile: string;
  databaseUrl: string;
  postgresDatabase?: string;
  stop(): Promise<void>;
}

function requiredEnv(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} must be set (see end2end/README section in playwright.config.ts)`);
  return v;
}

/** The maintenance database URL used to create and drop test databases. */
export function postgresMaintenanceUrl(): string {
  return process.env.TEST_POSTGRES_URL || DEFAULT_POSTGRES_URL;
}

/** The same server and credentials as `maintenanceUrl`, another database. */
export function postgresUrlFor(maintenanceUrl: string, database: string): string {
  const u = new URL(maintenanceUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Runs one SQL statement with psql, on the maintenance database unless `url` is given. */
export async function psql(sql: string, url = postgresMaintenanceUrl()): Promise<void> {
  await execFileP('psql', [url, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql], { timeout: 30_000 });
}

export async function createPostgresDatabase(name: string): Promise<void> {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`unsafe database name ${name}`);
  await psql(`CREATE DATABASE "${name}"`);
}

export async function dropPostgresDatabase(name: string): Promise<void> {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`unsafe database name ${name}`);
  await psql(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}

/**
 * Starts `$DOSSIER_BIN serve` on a free port with a fresh database and data directory,
 * waits until GET /healthz answers 200, and returns its address. Stdout and stderr go
 * to end2end/.tmp/<label>-<port>.log.
 */
export async function startDossier(opts: StartOptions): Promise<DossierServer> {
  const bin = requiredEnv('DOSSIER_BIN');
  const siteRoot = requiredEnv('DOSSIER_SITE_ROOT');
  const label = opts.label ?? opts.db;
  const port = await freePort();
  const url = `http://localhost:${port}`;
  const dataDir = freshTmpDir(`${label}-data`);
  const logFile = path.join(TMP_DIR, `${label}-${port}.log`);

  let databaseUrl: string;
  let postgresDatabase: string | undefined;
  if (opts.db === 'sqlite') {
    const dbDir = freshTmpDir(`${label}-sqlite`);
    databaseUrl = `sqlite://${path.join(dbDir, 'dossier.db')}?mode=rwc`;
  } else {
    postgresDatabase = `dossier_e2e_${randomBytes(6).toString('hex')}`;
    await createPostgresDatabase(postgresDatabase);
    databaseUrl = postgresUrlFor(postgresMaintenanceUrl(), postgresDatabase);
  }

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    DOSSIER__SERVER__BIND: `127.0.0.1:${port}`,
    DOSSIER__SERVER__PUBLIC_URL: url,
    DOSSIER__DATA__DIR: dataDir,
    DOSSIER__SITE__ROOT: siteRoot,
    DOSSIER__MAIL__TRANSPORT: 'smtp',
    DOSSIER__MAIL__SMTP_HOST: '127.0.0.1',
    DOSSIER__MAIL__SMTP_PORT: String(opts.smtpPort ?? maildevSmtpPort()),
    DOSSIER__MAIL__SMTP_TLS: 'none',
    DOSSIER__SECURITY__MODE: 'development',
    DOSSIER__SECURITY__INSECURE_DEV_COOKIES: process.env.DOSSIER_E2E_INSECURE_COOKIES ?? 'false',
    DOSSIER__WORKERS__POLL_MS: '200',
    RUST_LOG: 'info',
    ...(opts.env ?? {}),
  };

  fs.writeFileSync(logFile, `# ${bin} serve\n# DATABASE_URL=${databaseUrl}\n# ${url}\n`);
  let child;
  try {
    child = spawnLogged(bin, ['serve'], { env, logFile, label });
  } catch (e) {
    if (postgresDatabase) await dropPostgresDatabase(postgresDatabase).catch(() => undefined);
    throw e;
  }
  const pid = child.pid as number;
  recordProcess({ pid, label, command: bin, postgresDatabase });

  const stop = async (): Promise<void> => {
    await stopChild(child);
    if (postgresDatabase) await dropPostgresDatabase(postgresDatabase);
  };

  const timeoutMs = opts.healthTimeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!isRunning(child)) {
      await stop().catch(() => undefined);
      throw new Error(
        `Dossier (${label}) exited during start-up (code ${child.exitCode}, signal ${child.signalCode}); ` +
          `log ${logFile}:\n${logTail(logFile)}`,
      );
    }
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`, { redirect: 'manual' });
      if (res.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stop().catch(() => undefined);
      throw new Error(
        `Dossier (${label}) did not answer GET /healthz with 200 within ${timeoutMs / 1000} s; ` +
          `log ${logFile}:\n${logTail(logFile)}`,
      );
    }
    await sleep(250);
  }

  return { url, port, pid, logFile, databaseUrl, postgresDatabase, stop };
}
