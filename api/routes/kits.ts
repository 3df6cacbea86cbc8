import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import type { Knex } from 'knex';
import { kitAvailability, loadKitRecipes } from '../../db/kits';
import { findCycle } from '../../domain/kits';
import { ApiError } from '../api-error';
import type { RouteDeps } from '../deps';
import { errorResponses, IdempotencyHeaders, MAX_INT, SkuParams, Text } from '../schemas';

const ComponentsBody = Type.Object(
  {
    components: Type.Array(
      Type.Object({ sku: Text(64), quantity: Type.Integer({ minimum: 1, maximum: MAX_INT }) }, { additionalProperties: false }),
      { minItems: 1, maxItems: 100, description: 'Units of each component in one kit; a component may itself be a kit' },
    ),
  },
  { additionalProperties: false },
);
type ComponentsBody = Static<typeof ComponentsBody>;

const Kit = Type.Object({
  sku: Type.String(),
  kind: Type.Union([Type.Literal('standard'), Type.Literal('kit')]),
  components: Type.Array(
    Type.Object({ sku: Type.String(), name: Type.String(), upc: Type.String(), quantity: Type.Integer(), active: Type.Boolean() }),
  ),
  available: Type.Integer({ description: 'Whole kits the stock of its components makes (per location, summed); a standard product: 0 here, see /v1/inventory/availability' }),
});
type Kit = Static<typeof Kit>;

/**
 * Kits (bundles): a kit is a product sold as its components; it holds no stock of its own. Ops
 * define the components; a kit containing itself, directly or through other kits, is refused.
 */
export const kitRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { db }) => {
  app.put(
    '/v1/products/:sku/components',
    {
      schema: {
        tags: ['products'],
        summary: 'Make the product a kit of these components, replacing any it had (a product holding stock cannot become one)',
        headers: IdempotencyHeaders,
        params: SkuParams,
        body: ComponentsBody,
        response: { 200: Kit, ...errorResponses },
      },
    },
    async (request) => {
      const { sku } = request.params;
      const { components } = request.body;
      await db.transaction(async (trx) => {
        // One definition at a time: two kits made of each other, defined at once, cannot both pass the cycle check.
        await trx.raw("SELECT pg_advisory_xact_lock(hashtext('kit_components'))");
        const product = await trx('products').where({ sku }).forUpdate().first('sku');
        if (!product) throw new ApiError(404, 'product_not_found', `product ${sku} not found`);
        await assertComponents(trx, sku, components);
        const stocked = await trx('inventory_levels').where({ sku }).andWhere((q) => q.where('on_hand', '>', 0).orWhere('reserved', '>', 0)).first('location_id');
        if (stocked) {
          throw new ApiError(409, 'kit_has_stock', `product ${sku} holds stock at ${stocked.location_id}; a kit holds none of its own`, {
            locationId: stocked.location_id,
          });
        }
        await trx('products').where({ sku }).update({ kind: 'kit', updated_at: trx.fn.now() });
        await trx('kit_components').where({ kit_sku: sku }).delete();
        await trx('kit_components').insert(components.map((c) => ({ kit_sku: sku, component_sku: c.sku, quantity: c.quantity })));
      });
      return kitView(db, sku);
    },
  );

  app.get(
    '/v1/products/:sku/components',
    {
      schema: {
        tags: ['products'],
        summary: "A product's kit components and the whole kits available (empty for a standard product)",
        params: SkuParams,
        response: { 200: Kit, ...errorResponses },
      },
    },
    async (request) => kitView(db, request.params.sku),
  );
};

/** Components must be distinct, known, active, and not lead back to the kit. */
async function assertComponents(trx: Knex.Transaction, kitSku: string, components: ComponentsBody['components']): Promise<void> {
  const skus = components.map((c) => c.sku);
  const repeated = skus.find((sku, index) => skus.indexOf(sku) !== index);
  if (repeated) throw new ApiError(422, 'duplicate_component', `component ${repeated} appears more than once`, { sku: repeated });

  const rows: { sku: string; active: boolean }[] = await trx('products').whereIn('sku', skus).select('sku', 'active');
  const unknown = skus.filter((sku) => !rows.some((row) => row.sku === sku));
  if (unknown.length > 0) throw new ApiError(422, 'unknown_component', `unknown component sku: ${unknown.join(', ')}`, { skus: unknown });
  const inactive = rows.filter((row) => !row.active).map((row) => row.sku);
  if (inactive.length > 0) throw new ApiError(422, 'inactive_component', `inactive component: ${inactive.join(', ')}`, { skus: inactive });

  const cycle = findCycle(kitSku, components, await loadKitRecipes(trx, skus));
  if (cycle) throw new ApiError(422, 'kit_cycle', `a kit cannot contain itself: ${cycle.join(' -> ')}`, { path: cycle });
}

async function kitView(db: Knex, sku: string): Promise<Kit> {
  const product = await db('products').where({ sku }).first('sku', 'kind');
  if (!product) throw new ApiError(404, 'product_not_found', `product ${sku} not found`);
  const components = await db('kit_components as k')
    .join('products as p', 'p.sku', 'k.component_sku')
    .where('k.kit_sku', sku)
    .orderBy('k.component_sku')
    .select('p.sku', 'p.name', 'p.upc', 'k.quantity', 'p.active');
  const available = product.kind === 'kit' ? ((await kitAvailability(db, [sku])).get(sku) ?? 0) : 0;
  return { sku, kind: product.kind, components, available };
}
