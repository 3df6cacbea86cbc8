import type { ErrorBody } from './schemas';

/** An answer the client caused: thrown anywhere in a route, sent as `{ code, message, details? }`. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The body every error answer has: `{ code, message, details?, requestId? }`. */
export function errorBody(error: ApiError, requestId?: string): ErrorBody {
  const body: ErrorBody = { code: error.code, message: error.message };
  if (error.details !== undefined) body.details = error.details;
  if (requestId !== undefined) body.requestId = requestId;
  return body;
}
