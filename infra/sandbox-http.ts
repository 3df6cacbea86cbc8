/** The error an adapter throws when the service refuses a request, which would be refused again. */
export type RefusalError = new (code: string, message: string, httpStatus: number) => Error;

export interface SandboxHttpOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs?: number;
}

export type SandboxCall = <T>(method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<T>;

/**
 * How an adapter calls a sandbox service's JSON API with its bearer key. A 4xx answer becomes the
 * given refusal with the problem's code; anything else that fails is a plain Error, worth a retry.
 */
export function sandboxHttpCall(service: string, options: SandboxHttpOptions, Refusal: RefusalError): SandboxCall {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  return async <T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${options.apiKey}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
    const text = await response.text();
    if (response.ok) return (text ? JSON.parse(text) : undefined) as T;

    const problem = parseProblem(text);
    const message = `${service}: ${method} ${path} answered ${response.status}: ${problem.message ?? text.slice(0, 200)}`;
    // 408 and 429 ask to come back later; any other 4xx will be refused again.
    if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
      throw new Refusal(problem.code ?? `http_${response.status}`, message, response.status);
    }
    throw new Error(message);
  };
}

function parseProblem(text: string): { code?: string; message?: string } {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object') {
      const { code, message } = parsed as Record<string, unknown>;
      return { code: typeof code === 'string' ? code : undefined, message: typeof message === 'string' ? message : undefined };
    }
  } catch {
    // Not JSON (a proxy's error page, say); the raw text goes into the message.
  }
  return {};
}
