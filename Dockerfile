# The worker and API image (see temporal-compose.yml).
# The workbench (web/) is built with the dev dependencies in a stage of its own; the image keeps its output only.
FROM node:24-bookworm-slim AS web
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npx tsx scripts/build-web.ts

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY . .
COPY --from=web /app/web/dist ./web/dist
USER node
CMD ["npx", "tsx", "api/server.ts"]
