import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ApiError } from '../api-error';
import { type RouteDeps, within } from '../deps';
import { errorResponses, HealthStatus } from '../schemas';

const CHECK_TIMEOUT_MS = 2_000;

/** Liveness says the process answers; readiness says it can reach Postgres and Temporal. */
export const healthRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, deps) => {
  const { db, temporal } = deps;
  const open = { security: [] };

  app.get('/health/live', { schema: { tags: ['health'], ...open, response: { 200: HealthStatus } } }, async () => ({
    status: 'ok' as const,
  }));

  app.get(
    '/health/ready',
    { schema: { tags: ['health'], ...open, response: { 200: HealthStatus, ...errorResponses } } },
    async () => {
      const [database, temporalCheck] = await Promise.all([
        outcome(() => db.raw('select 1').timeout(CHECK_TIMEOUT_MS, { cancel: true })),
        outcome(() => within(deps, CHECK_TIMEOUT_MS, () => temporal.workflowService.getSystemInfo({}))),
      ]);
      const checks = { database, temporal: temporalCheck };
      const failed = Object.entries(checks).filter(([, result]) => result !== 'ok');
      if (failed.length > 0) {
        throw new ApiError(503, 'not_ready', `unavailable: ${failed.map(([name]) => name).join(', ')}`, { checks });
      }
      return { status: 'ok' as const, checks };
    },
  );
};

async function outcome(check: () => Promise<unknown>): Promise<string> {
  try {
    await check();
    return 'ok';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
