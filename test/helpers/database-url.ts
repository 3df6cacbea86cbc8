/**
 * The Postgres server `npm test` was pointed at: TEST_DATABASE_URL, else DATABASE_URL. Without
 * either, global setup starts an embedded Postgres of its own for the run (test/global-setup.ts).
 */
export function configuredDatabaseUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.TEST_DATABASE_URL || env.DATABASE_URL || undefined;
}

/**
 * Each `npm test` run gets its own database on that server, `<name>_test_<pid>`, created by global
 * setup and dropped at teardown, so real data is never touched and parallel runs never collide.
 */
export function testDatabaseUrl(serverUrl: string, pid: number = process.pid): string {
  const url = new URL(serverUrl);
  const name = url.pathname.slice(1) || 'oms';
  url.pathname = `/${name}_test_${pid}`;
  return url.toString();
}
