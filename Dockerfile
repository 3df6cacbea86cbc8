# One image for the API (default), the worker, the sandbox carrier and supplier, and the migration job;
# docker-compose.yml picks the entry point per service.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and run as `node`: the service cannot rewrite its own code.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The dashboard's static pages: tsc compiles code only.
COPY --from=build /app/api/dashboard ./dist/api/dashboard
USER node
EXPOSE 3000
CMD ["node", "dist/api/main.js"]
