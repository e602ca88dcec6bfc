# Weft's container image: every app behind one entry point (control-plane | sidecar | router | cli).
# scripts/build-image.sh builds the same image offline (no registry) and reads its settings below.

FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:24-bookworm-slim AS production-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM node:24-bookworm-slim
# iptables for `weft cli init-capture` (the pod's init step); nothing else is added to the base.
RUN apt-get update \
  && apt-get install -y --no-install-recommends iptables \
  && rm -rf /var/lib/apt/lists/* \
  && groupadd --gid 1337 weft \
  && useradd --uid 1337 --gid 1337 --home-dir /var/lib/weft --no-create-home --shell /usr/sbin/nologin weft \
  && mkdir -p /var/lib/weft \
  && chown 1337:1337 /var/lib/weft
WORKDIR /app
COPY package.json ./
COPY bin ./bin
COPY --from=production-deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
# The settings below are the image's contract; build-image.sh applies these same lines.
ENV NODE_ENV=production WEFT_STATE_DIR=/var/lib/weft HOME=/var/lib/weft
USER 1337:1337
VOLUME /var/lib/weft
# A 16 MiB semi-space (Node 24 grows it to 64 MiB under load: 128 MiB of young generation per proxy);
# measured in bench/README.md (Memory). Bench runs read this line for the same options.
ENTRYPOINT ["node", "--max-semi-space-size=16", "/app/bin/weft-entrypoint.js"]
CMD ["cli", "--help"]
