import { type Context, context, propagation, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Client } from '@temporalio/client';
import type { FastifyPluginCallback, FastifyRequest } from 'fastify';
import type { Config } from '../../infra/config';
import { startTracing, traceTemporalClient } from '../../infra/telemetry';
import { unencapsulated } from './unencapsulated';

/** Probes and scrapes, every few seconds each: not worth a trace. */
const UNTRACED_ROUTES = new Set(['/metrics', '/health/live', '/health/ready']);

export interface TracingOptions {
  telemetry: Config['telemetry'];
  /** The API's Temporal client: the workflows it starts continue the request's trace. */
  temporal: Client;
}

/**
 * One span per request (continuing a W3C `traceparent` a caller sent), active while the route's
 * handler runs, so the workflow it starts joins the request's trace. Nothing is installed when
 * tracing is off (no OTEL_EXPORTER_OTLP_ENDPOINT): no hooks, no interceptor.
 */
export const tracing: FastifyPluginCallback<TracingOptions> = unencapsulated((app, options, done) => {
  const active = startTracing(options.telemetry, 'oms-api');
  if (!active) {
    done();
    return;
  }
  traceTemporalClient(options.temporal, active);
  const spans = new WeakMap<FastifyRequest, { span: Span; context: Context }>();

  app.addHook('onRequest', (request, _reply, next) => {
    const route = request.routeOptions.url;
    if (route && UNTRACED_ROUTES.has(route)) {
      next();
      return;
    }
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const span = active.tracer.startSpan(
      `${request.method} ${route ?? 'unmatched'}`,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': request.method, ...(route ? { 'http.route': route } : {}), 'oms.request_id': request.id },
      },
      parent,
    );
    const spanContext = trace.setSpan(parent, span);
    spans.set(request, { span, context: spanContext });
    context.with(spanContext, next);
  });

  // The body has been read by now (its stream callbacks run outside the request's context): the
  // handler, and everything it awaits, runs inside the request's span.
  app.addHook('preHandler', (request, _reply, next) => {
    const entry = spans.get(request);
    if (entry) context.with(entry.context, next);
    else next();
  });

  app.addHook('onError', (request, _reply, error, next) => {
    spans.get(request)?.span.recordException(error);
    next();
  });

  app.addHook('onResponse', (request, reply, next) => {
    const entry = spans.get(request);
    if (entry) {
      entry.span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) entry.span.setStatus({ code: SpanStatusCode.ERROR });
      entry.span.end();
      spans.delete(request);
    }
    next();
  });

  // Spans still batched are sent when the app closes (the process's tracing stays up for others).
  app.addHook('onClose', async () => {
    await active.forceFlush();
  });
  done();
});
