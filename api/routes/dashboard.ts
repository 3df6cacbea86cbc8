import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ApiError } from '../api-error';
import type { RouteDeps } from '../deps';

const DASHBOARD_DIR = path.resolve(__dirname, '../dashboard');
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** Chart.js's self-contained build (no imports of its own), served from node_modules: nothing is fetched at run time. */
const chartJsFile = () => path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js');

/** The dashboard's files, read once: only plain names with a known type, so no request can reach outside the folder. */
function loadAssets(): Map<string, { type: string; body: Buffer }> {
  const assets = new Map<string, { type: string; body: Buffer }>();
  for (const name of readdirSync(DASHBOARD_DIR)) {
    const type = TYPES[path.extname(name)];
    if (type && /^[a-z0-9-]+\.[a-z]+$/.test(name)) assets.set(name, { type, body: readFileSync(path.join(DASHBOARD_DIR, name)) });
  }
  assets.set('vendor/chart.js', { type: TYPES['.js'], body: readFileSync(chartJsFile()) });
  return assets;
}

/**
 * The merchant's dashboard at /dashboard: static pages, open to anyone, that read the ops API with the
 * key the person enters (kept in sessionStorage, sent as a header, never in a URL). Scripts come from
 * this server only, so the API's Content-Security-Policy (script-src 'self') holds for them unchanged.
 */
export const dashboardRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app) => {
  const assets = loadAssets();
  const send = (name: string) => {
    const asset = assets.get(name);
    if (!asset) throw new ApiError(404, 'not_found', `no dashboard file ${name}`);
    return asset;
  };
  // Open: the pages hold no data; what they show comes from the ops API with the key entered.
  const schema = { tags: ['dashboard'], security: [] };

  app.get('/dashboard', { schema: { ...schema, summary: "The merchant's dashboard (HTML); sign in with an ops key" } }, async (_request, reply) => {
    const page = send('index.html');
    return reply.type(page.type).header('cache-control', 'no-cache').send(page.body);
  });
  app.get('/dashboard/:file', { schema: { ...schema, summary: "The dashboard's scripts and styles", params: Type.Object({ file: Type.String({ maxLength: 64 }) }) } }, async (request, reply) => {
    const asset = send(request.params.file || 'index.html');
    return reply.type(asset.type).header('cache-control', 'no-cache').send(asset.body);
  });
  app.get('/dashboard/vendor/chart.js', { schema: { ...schema, summary: 'Chart.js, served from this server (nothing is fetched from elsewhere)' } }, async (_request, reply) => {
    const asset = send('vendor/chart.js');
    return reply.type(asset.type).header('cache-control', 'public, max-age=86400').send(asset.body);
  });
};
