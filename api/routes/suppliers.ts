import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Knex } from 'knex';
import { type PriceBreak, priceBreaksProblem } from '../../domain/eoq';
import { ApiError } from '../api-error';
import type { RouteDeps } from '../deps';
import { idempotently } from '../idempotency';
import { iso } from '../iso-date-time';
import {
  CreatedSupplier,
  CreateSupplierBody,
  PatchSupplierBody,
  Supplier,
  SupplierParams,
  SupplierProduct,
  SupplierProductBody,
  SupplierProductList,
  SupplierProductParams,
} from '../purchasing/schemas';
import { errorResponses, IdempotencyHeaders } from '../schemas';

// Rows come from knex untyped; this is where they take the API's shape.
function toSupplier(row: any) {
  return {
    id: row.id,
    name: row.name,
    contact: row.contact,
    currency: row.currency,
    leadTimeDays: row.lead_time_days,
    minimumOrderCents: row.minimum_order_cents,
    paymentTerms: row.payment_terms,
    active: row.active,
    feedMaxAgeMinutes: row.feed_max_age_minutes,
    createdAt: iso(row.created_at),
  };
}

function toSupplierProduct(row: any, priceBreaks: PriceBreak[]) {
  return {
    supplierId: row.supplier_id,
    sku: row.sku,
    supplierSku: row.supplier_sku,
    unitCostCents: row.unit_cost_cents,
    packSize: row.pack_size,
    minimumOrderQuantity: row.minimum_order_quantity,
    preferred: row.preferred,
    priceBreaks,
  };
}

/** A supplier's price breaks per SKU, by increasing min quantity. */
async function priceBreaksBySku(db: Knex, supplierId: string): Promise<Map<string, PriceBreak[]>> {
  const rows = await db('supplier_price_breaks').where({ supplier_id: supplierId }).orderBy(['sku', 'min_quantity']);
  const bySku = new Map<string, PriceBreak[]>();
  for (const row of rows) bySku.set(row.sku, [...(bySku.get(row.sku) ?? []), { minQuantity: row.min_quantity, unitCostCents: row.unit_cost_cents }]);
  return bySku;
}

async function mustFindSupplier(db: Knex, id: string) {
  const row = await db('suppliers').where({ id }).first();
  if (!row) throw new ApiError(404, 'supplier_not_found', `supplier ${id} not found`);
  return row;
}

/**
 * Suppliers (ops): their terms (currency, lead time, minimum order value, payment terms) and per
 * product a supplier SKU, unit cost, pack size and minimum order quantity; one preferred supplier
 * per product. A supplier is deactivated, never deleted (its POs keep pointing at it).
 */
export const supplierRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, deps) => {
  const { db, config } = deps;
  const retentionHours = config.api.idempotencyRetentionHours;

  app.post(
    '/v1/suppliers',
    {
      schema: {
        tags: ['purchasing'],
        summary: 'Add a supplier; the answer carries its webhook signing secret, shown only once',
        headers: IdempotencyHeaders,
        body: CreateSupplierBody,
        response: { 201: CreatedSupplier, ...errorResponses },
      },
    },
    async (request, reply) =>
      idempotently(db, request, reply, retentionHours, async () => {
        const body = request.body;
        const id = `sup_${randomBytes(12).toString('hex')}`;
        const webhookSecret = `whsec_${randomBytes(24).toString('hex')}`;
        const [row] = await db('suppliers')
          .insert({
            id,
            name: body.name,
            contact: JSON.stringify(body.contact),
            currency: body.currency,
            lead_time_days: body.leadTimeDays,
            minimum_order_cents: body.minimumOrderCents ?? 0,
            payment_terms: body.paymentTerms,
            webhook_secret: webhookSecret,
          })
          .returning('*');
        reply.status(201);
        return { ...toSupplier(row), webhookSecret };
      }),
  );

  app.get(
    '/v1/suppliers',
    {
      schema: {
        tags: ['purchasing'],
        summary: 'Suppliers by name (deactivated ones too, with active false)',
        querystring: Type.Object({ active: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        response: { 200: Type.Object({ data: Type.Array(Supplier) }), ...errorResponses },
      },
    },
    async (request) => {
      const query = db('suppliers').orderBy(['name', 'id']).limit(1000);
      if (request.query.active !== undefined) query.where({ active: request.query.active });
      return { data: (await query).map(toSupplier) };
    },
  );

  app.get(
    '/v1/suppliers/:id',
    { schema: { tags: ['purchasing'], summary: 'A supplier', params: SupplierParams, response: { 200: Supplier, ...errorResponses } } },
    async (request) => toSupplier(await mustFindSupplier(db, request.params.id)),
  );

  app.patch(
    '/v1/suppliers/:id',
    {
      schema: {
        tags: ['purchasing'],
        summary: 'Change a supplier\'s terms, or deactivate it (active false): no new PO may name it',
        params: SupplierParams,
        body: PatchSupplierBody,
        response: { 200: Supplier, ...errorResponses },
      },
    },
    async (request) => {
      await mustFindSupplier(db, request.params.id);
      const body = request.body;
      const fields = {
        ...(body.name !== undefined ? { name: body.name } : {}),
        ...(body.contact !== undefined ? { contact: JSON.stringify(body.contact) } : {}),
        ...(body.currency !== undefined ? { currency: body.currency } : {}),
        ...(body.leadTimeDays !== undefined ? { lead_time_days: body.leadTimeDays } : {}),
        ...(body.minimumOrderCents !== undefined ? { minimum_order_cents: body.minimumOrderCents } : {}),
        ...(body.paymentTerms !== undefined ? { payment_terms: body.paymentTerms } : {}),
        ...(body.active !== undefined ? { active: body.active } : {}),
        ...(body.feedMaxAgeMinutes !== undefined ? { feed_max_age_minutes: body.feedMaxAgeMinutes } : {}),
      };
      const [row] = await db('suppliers').where({ id: request.params.id }).update({ ...fields, updated_at: db.fn.now() }).returning('*');
      return toSupplier(row);
    },
  );

  app.put(
    '/v1/suppliers/:id/products/:sku',
    {
      schema: {
        tags: ['purchasing'],
        summary: 'Set what a supplier charges for a product and how it sells it (pack size, MOQ); preferred moves the product\'s preference here',
        description: 'Refusals: supplier_not_found (404), unknown_sku (404), invalid_price_breaks (422).',
        params: SupplierProductParams,
        body: SupplierProductBody,
        response: { 200: SupplierProduct, ...errorResponses },
      },
    },
    async (request) => {
      const { id, sku } = request.params;
      const body = request.body;
      await mustFindSupplier(db, id);
      if (!(await db('products').where({ sku }).first('sku'))) throw new ApiError(404, 'unknown_sku', `unknown sku ${sku}`);
      const taken = await db('supplier_products').where({ supplier_sku: body.supplierSku, supplier_id: id }).whereNot({ sku }).first('sku');
      if (taken) throw new ApiError(409, 'supplier_sku_taken', `supplier SKU ${body.supplierSku} already names ${taken.sku}`);
      const priceBreaks = body.priceBreaks ?? [];
      const problem = priceBreaksProblem(body.unitCostCents, priceBreaks);
      if (problem) throw new ApiError(422, 'invalid_price_breaks', problem);
      const row = await db.transaction(async (trx) => {
        // The product's row first: two preferences set at once take turns instead of breaking the unique index.
        await trx('products').where({ sku }).forUpdate().first('sku');
        if (body.preferred) await trx('supplier_products').where({ sku, preferred: true }).whereNot({ supplier_id: id }).update({ preferred: false, updated_at: trx.fn.now() });
        const fields = {
          supplier_sku: body.supplierSku,
          unit_cost_cents: body.unitCostCents,
          pack_size: body.packSize ?? 1,
          minimum_order_quantity: body.minimumOrderQuantity ?? 1,
          ...(body.preferred !== undefined ? { preferred: body.preferred } : {}),
          updated_at: trx.fn.now(),
        };
        const [written] = await trx('supplier_products')
          .insert({ supplier_id: id, sku, ...fields })
          .onConflict(['supplier_id', 'sku'])
          .merge(fields)
          .returning('*');
        await trx('supplier_price_breaks').where({ supplier_id: id, sku }).delete();
        if (priceBreaks.length > 0) {
          await trx('supplier_price_breaks').insert(
            priceBreaks.map((tier) => ({ supplier_id: id, sku, min_quantity: tier.minQuantity, unit_cost_cents: tier.unitCostCents })),
          );
        }
        return written;
      });
      return toSupplierProduct(row, priceBreaks);
    },
  );

  app.get(
    '/v1/suppliers/:id/products',
    {
      schema: {
        tags: ['purchasing'],
        summary: 'The products a supplier sells us, by sku',
        params: SupplierParams,
        response: { 200: SupplierProductList, ...errorResponses },
      },
    },
    async (request) => {
      await mustFindSupplier(db, request.params.id);
      const rows = await db('supplier_products').where({ supplier_id: request.params.id }).orderBy('sku');
      const priceBreaks = await priceBreaksBySku(db, request.params.id);
      return { data: rows.map((row) => toSupplierProduct(row, priceBreaks.get(row.sku) ?? [])) };
    },
  );
};
