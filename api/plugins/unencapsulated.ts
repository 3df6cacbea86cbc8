import type { FastifyPluginCallback, FastifyPluginOptions } from 'fastify';

/**
 * Marks a plugin so what it sets up (hooks, error handler) applies to the whole app rather than
 * only inside the plugin; Fastify's documented `skip-override` property, which fastify-plugin sets.
 */
export function unencapsulated<Options extends FastifyPluginOptions>(
  plugin: FastifyPluginCallback<Options>,
): FastifyPluginCallback<Options> {
  return Object.assign(plugin, { [Symbol.for('skip-override')]: true });
}
