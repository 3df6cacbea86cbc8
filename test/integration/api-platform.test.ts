import { ROUTE_ACCESS } from '../../api/access';
import { buildApp } from '../../api/app';
import { deleteExpiredIdempotencyKeys } from '../../db/idempotency-keys';
import { createApiKey, ROLES } from '../../infra/api-keys';
import { loadConfig } from '../../infra/config';
import { type ApiTest, bearer, serve, startApiTest, finishApiTest } from '../helpers/api';

let t: ApiTest;

beforeAll(async () => {
  t = await startApiTest();
});

afterAll(() => finishApiTest(t));

const routes = Object.entries(ROUTE_ACCESS).map(([key, access]) => {
  const [method, path] = key.split(' ');
  return { key, method, path, url: path.replace(/:[a-zA-Z]+/g, 'x'), access };
});
const protectedRoutes = routes.flatMap((route) =>
  Array.isArray(route.access) ? [{ ...route, roles: route.access as readonly string[] }] : [],
);

describe('authentication and roles, for every route in ROUTE_ACCESS', () => {
  it('registers every route of the table', () => {
    for (const route of routes) {
      expect({ route: route.key, registered: t.app.hasRoute({ method: route.method as 'GET', url: route.path }) }).toEqual({
        route: route.key,
        registered: true,
      });
    }
  });

  it.each(protectedRoutes.map((route) => [route.key, route] as const))('%s: 401 without a valid key', async (_key, route) => {
    const attempts: Record<string, string>[] = [{}, bearer('oms_client_not-a-real-key'), { authorization: 'Basic abc' }, { 'x-api-key': 'nope' }];
    for (const headers of attempts) {
      const res = await t.request({ method: route.method, url: route.url, headers });
      expect({ headers, status: res.statusCode, code: res.json().code }).toEqual({ headers, status: 401, code: 'unauthorized' });
    }
  });

  it.each(protectedRoutes.map((route) => [route.key, route] as const))('%s: 403 for roles not allowed, through for the rest', async (_key, route) => {
    for (const role of ROLES) {
      const res = await t.request({ method: route.method, url: route.url, headers: bearer(t.keys[role]) });
      if (route.roles.includes(role)) {
        const passed = res.statusCode !== 401 && res.statusCode !== 403 && res.statusCode < 500;
        expect({ role, status: res.statusCode, passed }).toMatchObject({ role, passed: true });
      } else {
        expect({ role, status: res.statusCode, code: res.json().code }).toEqual({ role, status: 403, code: 'forbidden' });
      }
    }
  });

  it('gives the catalog writes to ops only', () => {
    expect(ROUTE_ACCESS['POST /v1/products']).toEqual(['ops']);
    expect(ROUTE_ACCESS['PATCH /v1/products/:sku']).toEqual(['ops']);
    for (const route of protectedRoutes) expect(route.roles).toContain('ops');
  });

  it('accepts the key as X-Api-Key too, and refuses a key revoked before its first use', async () => {
    const { key } = await createApiKey(t.db, `${t.prefix} x-api-key`, 'ops');
    expect((await t.request({ url: '/v1/locations', headers: { 'x-api-key': key } })).statusCode).toBe(200);
    const revoked = await createApiKey(t.db, `${t.prefix} revoked`, 'ops');
    await t.db('api_keys').where({ id: revoked.id }).update({ revoked_at: t.db.fn.now() });
    expect((await t.request({ url: '/v1/locations', headers: bearer(revoked.key) })).statusCode).toBe(401);
  });

  it('caches a key for authCacheMs: once revoked, it keeps working less than that, then is refused', async () => {
    const ttlMs = 1_000;
    const app = buildApp({ db: t.db, temporal: t.temporal, config: t.config, logger: false, authCacheMs: ttlMs });
    try {
      const request = await serve(app);
      const { id, key } = await createApiKey(t.db, `${t.prefix} cached`, 'ops');
      const lookedUpAfter = Date.now();
      expect((await request({ url: '/v1/locations', headers: bearer(key) })).statusCode).toBe(200);
      await t.db('api_keys').where({ id }).update({ revoked_at: t.db.fn.now() });
      // Answered from the cache: the revocation is not seen yet.
      expect((await request({ url: '/v1/locations', headers: bearer(key) })).statusCode).toBe(200);
      let status = 200;
      while (status === 200) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        status = (await request({ url: '/v1/locations', headers: bearer(key) })).statusCode;
        expect(Date.now() - lookedUpAfter).toBeLessThan(ttlMs + 2_000);
      }
      expect(status).toBe(401);
      expect(Date.now() - lookedUpAfter).toBeGreaterThanOrEqual(ttlMs);
    } finally {
      await app.close();
    }
  });

  it('bounds the key cache: the oldest lookup is dropped first', async () => {
    const app = buildApp({ db: t.db, temporal: t.temporal, config: t.config, logger: false, authCacheMs: 60_000, authCacheMaxEntries: 1 });
    try {
      const request = await serve(app);
      const first = await createApiKey(t.db, `${t.prefix} first`, 'ops');
      const second = await createApiKey(t.db, `${t.prefix} second`, 'ops');
      expect((await request({ url: '/v1/locations', headers: bearer(first.key) })).statusCode).toBe(200);
      expect((await request({ url: '/v1/locations', headers: bearer(second.key) })).statusCode).toBe(200);
      await t.db('api_keys').whereIn('id', [first.id, second.id]).update({ revoked_at: t.db.fn.now() });
      // The first key was dropped to make room for the second, so it is looked up again and refused.
      expect((await request({ url: '/v1/locations', headers: bearer(first.key) })).statusCode).toBe(401);
      expect((await request({ url: '/v1/locations', headers: bearer(second.key) })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('refuses to start an app with a route missing from the table', async () => {
    const app = buildApp({ db: t.db, temporal: t.temporal, config: t.config, logger: false });
    app.register(async (child) => {
      child.get('/v1/unlisted', async () => ({ secret: true }));
    });
    await expect(app.ready()).rejects.toThrow(/GET \/v1\/unlisted has no entry in ROUTE_ACCESS/);
  });
});

describe('Idempotency-Key retention', () => {
  it('is IDEMPOTENCY_KEY_RETENTION_HOURS, 24 by default', () => {
    expect(loadConfig({}).api.idempotencyRetentionHours).toBe(24);
    expect(loadConfig({ IDEMPOTENCY_KEY_RETENTION_HOURS: '72' }).api.idempotencyRetentionHours).toBe(72);
    expect(() => loadConfig({ IDEMPOTENCY_KEY_RETENTION_HOURS: 'a day' })).toThrow(/IDEMPOTENCY_KEY_RETENTION_HOURS/);
  });

  it('deleteExpiredIdempotencyKeys deletes expired keys a page at a time and keeps live ones', async () => {
    const row = (key: string, expiresIn: string) => ({
      api_key_id: t.keyIds.ops,
      key,
      route: 'POST /v1/orders/:id/cancel',
      request_hash: '0'.repeat(64),
      status_code: 200,
      response_body: JSON.stringify({ ok: true }),
      expires_at: t.db.raw(`now() + interval '${expiresIn}'`),
    });
    const expired = Array.from({ length: 5 }, (_, index) => `${t.prefix}-expired-${index}`);
    await t.db('idempotency_keys').insert([...expired.map((key) => row(key, '-1 minute')), row(`${t.prefix}-live`, '1 hour')]);

    // Other test files may have expired keys too: count at least ours.
    expect(await deleteExpiredIdempotencyKeys(t.db, 2)).toBe(2);
    let deleted = 2;
    for (let page = await deleteExpiredIdempotencyKeys(t.db, 2); page > 0; page = await deleteExpiredIdempotencyKeys(t.db, 2)) {
      expect(page).toBeLessThanOrEqual(2);
      deleted += page;
    }
    expect(deleted).toBeGreaterThanOrEqual(expired.length);
    expect(await t.db('idempotency_keys').where('key', 'like', `${t.prefix}-%`).pluck('key')).toEqual([`${t.prefix}-live`]);
    await expect(deleteExpiredIdempotencyKeys(t.db, 0)).rejects.toThrow(/limit/);
  });
});

describe('errors every route shares', () => {
  it('answers unknown routes with 404 not_found', async () => {
    const res = await t.request({ url: '/v1/nothing-here', headers: bearer(t.keys.ops) });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({
      code: 'not_found',
      message: expect.stringContaining('/v1/nothing-here'),
      requestId: expect.any(String),
    });
  });

  it('refuses a body that is not JSON with 415', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/v1/inventory/receipts',
      headers: { ...bearer(t.keys.ops), 'content-type': 'text/plain' },
      payload: 'locationId=x',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().code).toBe('unsupported_media_type');
  });

  it('refuses an empty JSON body and malformed JSON with invalid_json', async () => {
    for (const payload of ['', '{"locationId":', '[1,2']) {
      const res = await t.request({
        method: 'POST',
        url: '/v1/inventory/receipts',
        headers: { ...bearer(t.keys.ops), 'content-type': 'application/json' },
        payload,
      });
      expect({ payload, status: res.statusCode, code: res.json().code }).toEqual({ payload, status: 400, code: 'invalid_json' });
    }
  });
});

describe('health', () => {
  it('is live and ready without a key', async () => {
    const live = await t.request({ url: '/health/live' });
    expect(live.statusCode).toBe(200);
    const ready = await t.request({ url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ok', checks: { database: 'ok', temporal: 'ok' } });
  });

});

describe('OpenAPI', () => {
  it('serves the spec at /docs/json with every route and its security', async () => {
    const res = await t.request({ url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const spec = res.json();
    expect(spec.openapi).toMatch(/^3\./);
    for (const route of routes) {
      const path = route.path.replace(/:([a-zA-Z]+)/g, '{$1}');
      expect({ route: route.key, documented: Boolean(spec.paths[path]?.[route.method.toLowerCase()]) }).toEqual({
        route: route.key,
        documented: true,
      });
    }
    const createOrder = spec.paths['/v1/orders'].post;
    expect(createOrder.requestBody.content['application/json'].schema.properties.lines).toBeDefined();
    expect(spec.paths['/health/live'].get.security).toEqual([]);
    expect(spec.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('serves the UI at /docs', async () => {
    const res = await t.request({ url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
  });
});
