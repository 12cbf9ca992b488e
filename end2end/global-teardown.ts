import { readProcessRecords, stopPid } from './lib/proc';
import { dropPostgresDatabase } from './lib/server';

/**
 * Stops every process that global setup or a spec started (servers first, then maildev)
 * and drops their PostgreSQL databases. Logs stay in end2end/.tmp/ for inspection.
 */
export default async function globalTeardown(): Promise<void> {
  const records = readProcessRecords();
  const servers = records.filter((r) => r.label !== 'maildev');
  const others = records.filter((r) => r.label === 'maildev');
  const problems: string[] = [];
  for (const rec of [...servers, ...others]) {
    await stopPid(rec.pid, rec.command).catch((e) => problems.push(`stop ${rec.label} (${rec.pid}): ${e}`));
    if (rec.postgresDatabase) {
      await dropPostgresDatabase(rec.postgresDatabase).catch((e) =>
        problems.push(`drop database ${rec.postgresDatabase}: ${e}`),
      );
    }
  }
  if (problems.length > 0) console.warn(`[e2e] teardown problems:\n  ${problems.join('\n  ')}`);
}
