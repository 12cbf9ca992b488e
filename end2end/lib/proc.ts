import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { ensureTmpDir, PROCESSES_FILE } from './paths';

/** What global teardown needs to clean up after a process that outlived its owner. */
export interface ProcessRecord {
  pid: number;
  label: string;
  /** Executable path, checked against /proc/<pid>/cmdline before killing a leftover. */
  command: string;
  /** A PostgreSQL database to drop once the process is gone. */
  postgresDatabase?: string;
}

const live = new Map<number, ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort if the runner or a worker dies without running teardown.
  process.on('exit', () => {
    for (const child of live.values()) {
      try {
        child.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
  });
}

export function recordProcess(rec: ProcessRecord): void {
  ensureTmpDir();
  fs.appendFileSync(PROCESSES_FILE, JSON.stringify(rec) + '\n');
}

export function readProcessRecords(): ProcessRecord[] {
  if (!fs.existsSync(PROCESSES_FILE)) return [];
  return fs
    .readFileSync(PROCESSES_FILE, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as ProcessRecord);
}

/** Starts `command args` with stdout and stderr appended to `logFile`. */
export function spawnLogged(
  command: string,
  args: string[],
  opts: { env: NodeJS.ProcessEnv; logFile: string; label: string; cwd?: string },
): ChildProcess {
  const fd = fs.openSync(opts.logFile, 'a');
  const child = spawn(command, args, {
    env: opts.env,
    cwd: opts.cwd,
    stdio: ['ignore', fd, fd],
  });
  fs.closeSync(fd);
  if (child.pid === undefined) {
    throw new Error(`could not start ${opts.label} (${command})`);
  }
  installExitHook();
  live.set(child.pid, child);
  child.once('exit', () => live.delete(child.pid as number));
  return child;
}

export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** SIGTERM, then SIGKILL after `graceMs`. Resolves once the process has exited. */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (!isRunning(child)) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    if (isRunning(child)) child.kill('SIGKILL');
  }, graceMs);
  await exited;
  clearTimeout(timer);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Stops a process known only by its PID (one started in another process, e.g. a worker).
 * Only kills it if its command line still mentions `command`, so a recycled PID is left alone.
 */
export async function stopPid(pid: number, command: string, graceMs = 5000): Promise<void> {
  if (!pidAlive(pid)) return;
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!cmdline.includes(command)) return;
  } catch {
    return;
  }
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (pidAlive(pid) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  if (pidAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/** The last `maxBytes` of a log file, for error messages. */
export function logTail(file: string, maxBytes = 4000): string {
  try {
    const buf = fs.readFileSync(file);
    return buf.subarray(Math.max(0, buf.length - maxBytes)).toString('utf8');
  } catch {
    return '(no log)';
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
