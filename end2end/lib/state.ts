import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureTmpDir, TMP_DIR } from './paths';

/** A staff account created during the run, with what the specs learnt about it. */
export interface Account {
  email: string;
  password: string;
  name: string;
  /** Base32 TOTP secret read from the enrolment page. */
  totpSecret?: string;
  recoveryCodes?: string[];
  usedRecoveryCodes?: string[];
  /**
   * The last TOTP time-step submitted for this account. The server accepts each step
   * once per account, so the next TOTP sign-in must use a later step.
   */
  lastTotpStep?: number;
}

export interface ProjectState {
  accounts: Record<string, Account>;
}

export const ADMIN_PASSWORD = 'correct horse battery staple';

/** Per-project state shared by the specs of one project (they run in file order). */
export function statePath(project: string): string {
  return path.join(TMP_DIR, `${project}-state.json`);
}

/** Browser storage (session cookie) of the admin, saved by 02-signin. */
export function adminStoragePath(project: string): string {
  return path.join(TMP_DIR, `${project}-admin.storage.json`);
}

export function readState(project: string): ProjectState {
  const p = statePath(project);
  if (!fs.existsSync(p)) return { accounts: {} };
  return JSON.parse(fs.readFileSync(p, 'utf8')) as ProjectState;
}

export function writeState(project: string, state: ProjectState): void {
  ensureTmpDir();
  const p = statePath(project);
  fs.writeFileSync(`${p}.new`, JSON.stringify(state, null, 2));
  fs.renameSync(`${p}.new`, p);
}

export function getAccount(project: string, alias: string): Account {
  const acc = readState(project).accounts[alias];
  if (!acc) {
    throw new Error(
      `no "${alias}" account recorded for project ${project} in ${statePath(project)}: ` +
        `the earlier specs (01-setup, 02-signin, 04-invite) create it`,
    );
  }
  return acc;
}

export function putAccount(project: string, alias: string, update: Partial<Account>): Account {
  const state = readState(project);
  const prev = state.accounts[alias];
  const next = { ...(prev ?? {}), ...update } as Account;
  if (!next.email || !next.password || !next.name) {
    throw new Error(`account "${alias}" needs email, password and name`);
  }
  state.accounts[alias] = next;
  writeState(project, state);
  return next;
}

/** Identities used by the specs; per project so the two databases never share mail. */
export function identities(project: string) {
  return {
    admin: { name: `Ada Admin ${project}`, email: `admin-${project}@example.test`, password: ADMIN_PASSWORD },
    secretary: {
      name: `Sam Secretary ${project}`,
      email: `secretary-${project}@example.test`,
      password: 'secretary passphrase one',
    },
    throttle: {
      name: `Theo Throttle ${project}`,
      email: `throttle-${project}@example.test`,
      password: 'throttle passphrase one',
    },
    practice: `Harbour Therapy ${project}`,
  };
}
