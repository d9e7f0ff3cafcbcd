# Multi-stage build of the storefront. No Docker engine runs on the
# development machines, so this file is kept in step with scripts/setup-build.sh
# and scripts/run.sh by reading: same Rust, same cargo-leptos 0.3.10, same
# wasm-bindgen CLI (from Cargo.lock), same npm binaryen@132.0.0 for wasm-opt.

FROM rust:1.95-bookworm AS builder
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
RUN rustup target add wasm32-unknown-unknown \
 && cargo install cargo-leptos --version 0.3.10 --locked
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
RUN WB="$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)" \
 && cargo install wasm-bindgen-cli --version "$WB" \
 && npm install --prefix /opt/tools binaryen@132.0.0
ENV PATH="/opt/tools/node_modules/.bin:${PATH}"
COPY . .
# The registry and target folders are build caches: a rebuild after a code
# change recompiles only the workspace crates, not the ~600 dependencies.
# The outputs are copied out of the cache mount so the next stage sees them.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo leptos build --release --precompress --split \
 && mkdir -p /out && cp target/release/server target/release/hash.txt /out/ && cp -r target/site /out/site

FROM debian:bookworm-slim AS runtime
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl && rm -rf /var/lib/apt/lists/* \
 && useradd --system --create-home --home-dir /app storefront
WORKDIR /app
COPY --from=builder /out/server /app/server
COPY --from=builder /out/hash.txt /app/hash.txt
COPY --from=builder /out/site /app/site
ENV LEPTOS_OUTPUT_NAME=storefront \
    LEPTOS_SITE_ROOT=/app/site \
    LEPTOS_SITE_PKG_DIR=pkg \
    LEPTOS_HASH_FILES=true \
    LEPTOS_ENV=PROD \
    STOREFRONT_SERVER__ADDR=0.0.0.0:3000 \
    RUST_LOG=info \
    STOREFRONT_SERVER__JSON_LOGS=true
USER storefront
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 CMD curl -fsS http://127.0.0.1:3000/healthz || exit 1
STOPSIGNAL SIGTERM
CMD ["/app/server", "serve"]
