import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The body exactly as received: signatures are over these bytes. */
  body: string;
}

/**
 * A merchant's endpoint for outbound webhook tests, on a local port: it records every request, and
 * answers 500 to the first `failFirst[path]` attempts of each delivery to that path, then 200.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];

  private constructor(
    private readonly server: http.Server,
    readonly baseUrl: string,
  ) {}

  static async start(failFirst: Record<string, number> = {}): Promise<WebhookReceiver> {
    const attemptsOf = new Map<string, number>();
    let receiver: WebhookReceiver | undefined;
    const server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const path = request.url ?? '/';
        receiver!.received.push({ path, headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
        const delivery = `${path}:${request.headers['x-webhook-delivery']}`;
        const attempt = (attemptsOf.get(delivery) ?? 0) + 1;
        attemptsOf.set(delivery, attempt);
        response.statusCode = attempt <= (failFirst[path] ?? 0) ? 500 : 200;
        response.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    receiver = new WebhookReceiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return receiver;
  }

  /** Requests to a path whose body's data has this order id. */
  forOrder(path: string, orderId: string): ReceivedWebhook[] {
    return this.received.filter((request) => request.path === path && JSON.parse(request.body).data.orderId === orderId);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
