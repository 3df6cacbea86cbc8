import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Knex } from 'knex';
import { breachOfEveryCarrier, describeBreach, type ParcelLimits, type ParcelSize } from '../../domain/packing';
import { gtin13, isValidBarcode } from '../../domain/upc';
import { ApiError } from '../api-error';
import type { Caller } from '../plugins/auth';
import { decodeCursor, encodeCursor, isKeyText } from '../cursor';
import type { RouteDeps } from '../deps';
import { isUniqueViolation } from '../../db/errors';
import { REPLAYED_HEADER } from '../idempotency';
import { iso } from '../iso-date-time';
import {
  CreateProductBody,
  errorResponses,
  IdempotencyHeaders,
  ListProductsQuery,
  PatchProductBody,
  Product,
  ProductPage,
  SkuParams,
  UpcParams,
} from '../schemas';

/**
 * The catalog: every order is priced from here. Only ops write it. A product no configured
 * carrier can take in a parcel of its own is refused: it could be sold but never shipped.
 */
export const productRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { db, carrierLimits }) => {
  app.post(
    '/v1/products',
    {
      schema: {
        tags: ['products'],
        summary: 'Add a product to the catalog',
        headers: IdempotencyHeaders,
        body: CreateProductBody,
        response: { 201: Product, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { body } = request;
      assertUpc(body.upc);
      assertShippable(body, carrierLimits);
      const columns = productColumns(body);
      try {
        await db('products').insert({ sku: body.sku, ...columns });
      } catch (error) {
        // A retry of the same creation finds exactly what it asked for: answer as the first time did.
        const existing = isUniqueViolation(error, 'products_pkey') ? await findProduct(db, body.sku) : undefined;
        if (existing && request.headers['idempotency-key'] && sameProduct(existing, body)) {
          return reply.header(REPLAYED_HEADER, 'true').status(201).send(existing);
        }
        throw uniqueConflict(error, body) ?? error;
      }
      return reply.status(201).send(await mustFindProduct(db, body.sku));
    },
  );

  app.patch(
    '/v1/products/:sku',
    {
      schema: {
        tags: ['products'],
        summary: 'Change a product (anything but its sku); set active=false to stop selling it',
        headers: IdempotencyHeaders,
        params: SkuParams,
        body: PatchProductBody,
        response: { 200: Product, ...errorResponses },
      },
    },
    async (request) => {
      const { sku } = request.params;
      const { body } = request;
      if (body.upc !== undefined) assertUpc(body.upc);
      let updated: number;
      try {
        updated = await db.transaction(async (trx): Promise<number> => {
          if (changesSize(body)) {
            // Judged as it will be after the change: the sides not sent keep their values.
            const current = await trx('products').where({ sku }).forUpdate().first();
            if (!current) return 0;
            assertShippable(
              {
                weightGrams: body.weightGrams ?? current.weight_grams,
                lengthMm: body.lengthMm === undefined ? current.length_mm : body.lengthMm,
                widthMm: body.widthMm === undefined ? current.width_mm : body.widthMm,
                heightMm: body.heightMm === undefined ? current.height_mm : body.heightMm,
              },
              carrierLimits,
            );
          }
          return await trx('products')
            .where({ sku })
            .update({ ...productColumns(body), updated_at: trx.fn.now() });
        });
      } catch (error) {
        throw uniqueConflict(error, body) ?? error;
      }
      if (updated === 0) throw productNotFound(sku);
      return mustFindProduct(db, sku);
    },
  );

  app.get(
    '/v1/products',
    {
      schema: {
        tags: ['products'],
        summary: 'List products in sku order',
        querystring: ListProductsQuery,
        response: { 200: ProductPage, ...errorResponses },
      },
    },
    async (request) => {
      const { active, cursor } = request.query;
      const limit = request.query.limit ?? 50;
      const query = db('products').orderBy('sku').limit(limit + 1);
      if (active !== undefined) query.where({ active });
      if (cursor) query.where('sku', '>', decodeCursor<[string]>(cursor, [isKeyText])[0]);
      const rows = await query;
      const page = rows.slice(0, limit).map(productFromRow);
      return {
        data: page.map((product) => forCaller(product, request.caller)),
        nextCursor: rows.length > limit ? encodeCursor([page[page.length - 1].sku]) : null,
      };
    },
  );

  app.get(
    '/v1/products/:sku',
    {
      schema: { tags: ['products'], summary: 'A product by sku', params: SkuParams, response: { 200: Product, ...errorResponses } },
    },
    async (request) => forCaller(await mustFindProduct(db, request.params.sku), request.caller),
  );

  app.get(
    '/v1/products/by-upc/:upc',
    {
      schema: {
        tags: ['products'],
        summary: 'A product by its barcode: UPC-A or EAN-13 (a UPC-A is found by its 13-digit form too)',
        params: UpcParams,
        response: { 200: Product, ...errorResponses },
      },
    },
    async (request) => {
      const row = await db('products').whereRaw("lpad(upc, 13, '0') = ?", [gtin13(request.params.upc)]).first();
      if (!row) throw new ApiError(404, 'product_not_found', `no product with upc ${request.params.upc}`);
      return forCaller(productFromRow(row), request.caller);
    },
  );
};

function assertUpc(upc: string): void {
  if (!isValidBarcode(upc)) {
    throw new ApiError(422, 'invalid_upc', `upc ${upc} is not a valid UPC-A or EAN-13 (12 or 13 digits with a correct check digit)`);
  }
}

const changesSize = (body: PatchProductBody): boolean =>
  body.weightGrams !== undefined || body.lengthMm !== undefined || body.widthMm !== undefined || body.heightMm !== undefined;

/** One unit must fit a parcel of some configured carrier, or no order of it could ever ship. */
function assertShippable(unit: ParcelSize, carrierLimits: readonly ParcelLimits[]): void {
  const breach = breachOfEveryCarrier(unit, carrierLimits);
  if (breach) {
    throw new ApiError(422, 'exceeds_carrier_limits', describeBreach(breach, 'the largest carrier limit'), {
      measure: breach.measure,
      value: breach.value,
      limit: breach.limit,
    });
  }
}

function uniqueConflict(error: unknown, body: { sku?: string; upc?: string }): ApiError | undefined {
  if (isUniqueViolation(error, 'products_pkey')) return new ApiError(409, 'sku_exists', `sku ${body.sku} already exists`);
  // products_barcode_unique (migration 010): a UPC-A and the EAN-13 with its leading 0 are one barcode.
  if (isUniqueViolation(error, 'products_upc_unique') || isUniqueViolation(error, 'products_barcode_unique')) {
    return new ApiError(409, 'upc_exists', `upc ${body.upc} already belongs to another product`);
  }
  return undefined;
}

function productColumns(body: PatchProductBody) {
  const columns = {
    name: body.name,
    upc: body.upc,
    unit_price_cents: body.unitPriceCents,
    unit_cost_cents: body.unitCostCents,
    weight_grams: body.weightGrams,
    length_mm: body.lengthMm,
    width_mm: body.widthMm,
    height_mm: body.heightMm,
    active: body.active,
    final_sale: body.finalSale,
    return_window_days: body.returnWindowDays,
    holding_cost_percent: body.holdingCostPercent,
    ordering_cost_cents: body.orderingCostCents,
  };
  return Object.fromEntries(Object.entries(columns).filter(([, value]) => value !== undefined));
}

function sameProduct(existing: Product, body: CreateProductBody): boolean {
  return (
    existing.active &&
    existing.name === body.name &&
    existing.upc === body.upc &&
    existing.unitPriceCents === body.unitPriceCents &&
    existing.unitCostCents === (body.unitCostCents ?? 0) &&
    existing.weightGrams === body.weightGrams &&
    existing.lengthMm === (body.lengthMm ?? null) &&
    existing.widthMm === (body.widthMm ?? null) &&
    existing.heightMm === (body.heightMm ?? null) &&
    existing.finalSale === (body.finalSale ?? false) &&
    existing.returnWindowDays === (body.returnWindowDays ?? null) &&
    existing.holdingCostPercent === (body.holdingCostPercent ?? null) &&
    existing.orderingCostCents === (body.orderingCostCents ?? null)
  );
}

async function findProduct(db: Knex, sku: string): Promise<Product | undefined> {
  const row = await db('products').where({ sku }).first();
  return row ? productFromRow(row) : undefined;
}

async function mustFindProduct(db: Knex, sku: string): Promise<Product> {
  const product = await findProduct(db, sku);
  if (!product) throw productNotFound(sku);
  return product;
}

/** Clients never see unit cost, nor the carrying costs. */
function forCaller(product: Product, caller: Caller | null): Product {
  if (caller?.role !== 'client') return product;
  const { unitCostCents: _cost, holdingCostPercent: _holding, orderingCostCents: _ordering, ...visible } = product;
  return visible;
}

function productNotFound(sku: string): ApiError {
  return new ApiError(404, 'product_not_found', `product ${sku} not found`);
}

// knex rows are untyped; this is where they take the API's shape.
function productFromRow(row: any): Product {
  return {
    sku: row.sku,
    name: row.name,
    upc: row.upc,
    unitPriceCents: row.unit_price_cents,
    unitCostCents: row.unit_cost_cents,
    weightGrams: row.weight_grams,
    lengthMm: row.length_mm,
    widthMm: row.width_mm,
    heightMm: row.height_mm,
    active: row.active,
    finalSale: row.final_sale,
    returnWindowDays: row.return_window_days,
    holdingCostPercent: row.holding_cost_percent,
    orderingCostCents: row.ordering_cost_cents,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}
