/**
 * Each `npm test` run gets its own database on the server of TEST_DATABASE_URL, else DATABASE_URL,
 * else the local Postgres: `<name>_test_<pid>`, created by global setup and dropped at teardown,
 * so real data is never touched and parallel runs never collide.
 */
export function testDatabaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  const url = new URL(env.TEST_DATABASE_URL || env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/oms');
  const name = url.pathname.slice(1) || 'oms';
  url.pathname = `/${name}_test_${process.pid}`;
  return url.toString();
}
