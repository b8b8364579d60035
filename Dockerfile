# Multi-stage build: compile with the Rust toolchain, run on a slim Debian with only the binary.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src src
COPY migrations migrations
COPY benches benches
COPY certificate-templates certificate-templates
COPY templates templates
RUN cargo build --release --locked --bin calab

FROM debian:bookworm-slim
RUN useradd --system --home /var/lib/calab calab && mkdir -p /var/lib/calab && chown calab /var/lib/calab
COPY --from=build /src/target/release/calab /usr/local/bin/calab
USER calab
WORKDIR /var/lib/calab
ENV CALAB_BIND=0.0.0.0:8080 \
    CALAB_DATA_DIR=/var/lib/calab \
    CALAB_LOG_FORMAT=json
EXPOSE 8080
ENTRYPOINT ["calab"]
CMD ["serve"]
