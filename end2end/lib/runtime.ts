import * as fs from 'node:fs';
import { RUNTIME_FILE, ensureTmpDir } from './paths';

export type DbKind = 'sqlite' | 'postgres';

export interface RuntimeServer {
  url: string;
  pid: number;
  logFile: string;
  databaseUrl: string;
  postgresDatabase?: string;
}

/** What global setup started, for the tests (in worker processes) and for teardown. */
export interface Runtime {
  maildev: { webUrl: string; smtpPort: number; pid: number };
  /** The stand-in for Twilio (texts and calls at `${url}/messages`). */
  sms: { url: string; pid: number };
  servers: Partial<Record<DbKind, RuntimeServer>>;
}

export function writeRuntime(rt: Runtime): void {
  ensureTmpDir();
  fs.writeFileSync(RUNTIME_FILE, JSON.stringify(rt, null, 2));
}

export function readRuntimeIfPresent(): Runtime | undefined {
  if (!fs.existsSync(RUNTIME_FILE)) return undefined;
  return JSON.parse(fs.readFileSync(RUNTIME_FILE, 'utf8')) as Runtime;
}

export function readRuntime(): Runtime {
  const rt = readRuntimeIfPresent();
  if (!rt) throw new Error(`${RUNTIME_FILE} is missing: global setup did not run`);
  return rt;
}

/** The maildev web URL: env var first (set by global setup), then the runtime file. */
export function maildevUrl(): string {
  return process.env.DOSSIER_E2E_MAILDEV_URL ?? readRuntime().maildev.webUrl;
}

/** The maildev SMTP port, for servers started by specs. */
export function maildevSmtpPort(): number {
  const fromEnv = process.env.DOSSIER_E2E_MAILDEV_SMTP_PORT;
  if (fromEnv) return Number(fromEnv);
  return readRuntime().maildev.smtpPort;
}

/** The base URL of the shared server of a project ('sqlite' or 'postgres'). */
export function serverUrl(project: string): string {
  const fromEnv = process.env[`DOSSIER_E2E_${project.toUpperCase()}_URL`];
  if (fromEnv) return fromEnv;
  const server = readRuntime().servers[project as DbKind];
  if (!server) throw new Error(`no server was started for project "${project}"`);
  return server.url;
}

/** The SMS recorder's URL: env var first (set by global setup), then the runtime file. */
export function smsUrl(): string {
  return process.env.DOSSIER_E2E_SMS_URL ?? readRuntime().sms.url;
}
