import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ProjectName } from './fixtures';
import { readRuntime } from './runtime';
import { psql } from './server';

const execFileP = promisify(execFile);

/**
 * Runs one SQL statement on the database behind a project's server. The suite uses it only
 * to move time (age a link, let a share expire) or stand in for an outage, never to read
 * what the UI should show.
 */
export async function runSql(project: ProjectName, sql: string): Promise<void> {
  const server = readRuntime().servers[project];
  if (!server) throw new Error(`no ${project} server in the runtime file`);
  if (project === 'postgres') {
    await psql(sql, server.databaseUrl);
  } else {
    const file = server.databaseUrl.replace(/^sqlite:\/\//, '').replace(/\?.*$/, '');
    await execFileP('sqlite3', ['-bail', '-cmd', '.timeout 5000', file, sql]);
  }
}

/** An RFC 3339 UTC timestamp `hours` from now (negative: in the past), as both databases read it. */
export function hoursFromNow(hours: number): string {
  return new Date(Date.now() + hours * 3_600_000).toISOString().replace('Z', '+00:00');
}
