import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ApiError } from '../api-error';
import { type RouteDeps, within } from '../deps';
import { errorResponses, HealthDetails, HealthStatus } from '../schemas';

const CHECK_TIMEOUT_MS = 2_000;

/** Liveness says the process answers; readiness says it can reach Postgres and Temporal. */
export const healthRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, deps) => {
  const { db, temporal } = deps;
  const open = { security: [] };
  const checkAll = () =>
    Promise.all([
      outcome(() => db.raw('select 1').timeout(CHECK_TIMEOUT_MS, { cancel: true })),
      outcome(() => within(deps, CHECK_TIMEOUT_MS, () => temporal.workflowService.getSystemInfo({}))),
    ]);

  app.get('/health/live', { schema: { tags: ['health'], ...open, response: { 200: HealthStatus } } }, async () => ({
    status: 'ok' as const,
  }));

  app.get(
    '/health/ready',
    { schema: { tags: ['health'], ...open, response: { 200: HealthStatus, ...errorResponses } } },
    async (request) => {
      const [database, temporalCheck] = await checkAll().then((results) =>
        // The error text goes to the log under the request id, never to the (unauthenticated) caller.
        results.map(({ status, error }, index) => {
          if (error !== undefined) request.log.warn({ err: error, component: index === 0 ? 'database' : 'temporal' }, 'not ready');
          return status;
        }),
      );
      const checks = { database, temporal: temporalCheck };
      const failed = Object.entries(checks).filter(([, result]) => result !== 'ok');
      if (failed.length > 0) {
        throw new ApiError(503, 'not_ready', `unavailable: ${failed.map(([name]) => name).join(', ')}`, { checks });
      }
      return { status: 'ok' as const, checks };
    },
  );

  // The error text of each check, for ops only.
  app.get(
    '/v1/health/details',
    { schema: { tags: ['health'], summary: 'Readiness with each failed check\'s error (ops)', response: { 200: HealthDetails, ...errorResponses } } },
    async () => {
      const [database, temporalCheck] = await checkAll();
      const detail = ({ status, error }: Awaited<ReturnType<typeof outcome>>) =>
        error === undefined ? { status } : { status, error: error instanceof Error ? error.message : String(error) };
      const checks = { database: detail(database), temporal: detail(temporalCheck) };
      const failed = Object.values(checks).some((check) => check.status !== 'ok');
      return { status: failed ? ('failed' as const) : ('ok' as const), checks };
    },
  );
};

async function outcome(check: () => Promise<unknown>): Promise<{ status: 'ok' | 'failed'; error?: unknown }> {
  try {
    await check();
    return { status: 'ok' };
  } catch (error) {
    return { status: 'failed', error };
  }
}
