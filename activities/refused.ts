/**
 * A request refused for good before anything is written (stock writers called by the API):
 * the error handler answers it as a 4xx with this code, and no retry can change it.
 */
export class RequestRefused extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode: 404 | 409 | 422 = 422,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'RequestRefused';
  }
}
