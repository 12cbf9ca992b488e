import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The end2end/ directory. */
export const E2E_DIR = path.resolve(__dirname, '..');

/** Scratch space for one run: logs, databases, state files. Wiped by global setup. */
export const TMP_DIR = path.join(E2E_DIR, '.tmp');

/** Written by global setup: maildev and per-project server addresses. */
export const RUNTIME_FILE = path.join(TMP_DIR, 'runtime.json');

/** One line per process started by lib/server.ts or lib/maildev.ts (JSON). */
export const PROCESSES_FILE = path.join(TMP_DIR, 'processes.jsonl');

export function ensureTmpDir(): string {
  fs.mkdirSync(TMP_DIR, { recursive: true });
  return TMP_DIR;
}

/** A fresh, empty directory under .tmp/ whose name starts with `prefix`. */
export function freshTmpDir(prefix: string): string {
  ensureTmpDir();
  return fs.mkdtempSync(path.join(TMP_DIR, `${prefix}-`));
}

/**
 * Chromium writes into $XDG_CONFIG_HOME, $XDG_CACHE_HOME and $HOME/.pki; point all of
 * them at a throwaway directory so a run leaves nothing in the real home folder.
 * Outside .tmp/ on purpose: global setup wipes .tmp/ after the config has been loaded.
 */
export function chromiumHome(): { home: string; config: string; cache: string } {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  const home = path.join(os.tmpdir(), `dossier-e2e-chromium-${uid}`);
  const config = path.join(home, 'config');
  const cache = path.join(home, 'cache');
  fs.mkdirSync(config, { recursive: true });
  fs.mkdirSync(cache, { recursive: true });
  return { home, config, cache };
}
