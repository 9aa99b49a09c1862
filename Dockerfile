# The analyticsdb binary in a small static image: the Kafka → PostgreSQL loader
# (`run`, the default), and every other subcommand (`migrate`, `status`,
# `grant-readonly`, `replay`, …) for one-shot jobs.
#
#   docker build -t analyticsdb:dev .
#   docker run --rm -e DATABASE_URL=... analyticsdb:dev migrate
#   docker run --rm -e DATABASE_URL=... -e KAFKA_BROKERS=kafka:9092 -p 9477:9477 analyticsdb:dev
#
# Needs BuildKit (the default builder since Docker 23) for RUN --mount caches.
#
# Build stage: the Go version must be at least go.mod's `go` line (1.26.8);
# GOTOOLCHAIN=local makes an older image fail loudly instead of downloading a
# toolchain. --platform=$BUILDPLATFORM cross-compiles (no emulation) for
# `docker buildx build --platform linux/amd64,linux/arm64`.
FROM --platform=$BUILDPLATFORM golang:1.26.8-bookworm AS build
WORKDIR /src
ENV GOTOOLCHAIN=local
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG TARGETOS=linux
ARG TARGETARCH
# CGO_ENABLED=0: a static binary, so the runtime image needs no libc.
# The migrations (db/migrations/*.sql) are embedded in the binary.
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags="-s -w" -o /out/analyticsdb ./cmd/analyticsdb

# Runtime stage: distroless static has CA certificates (Kafka/PostgreSQL TLS),
# tzdata and a nonroot user, and no shell or package manager. Distroless
# publishes no version tags: pin the digest in production
# (gcr.io/distroless/static-debian13:nonroot@sha256:…) and let a bot bump it.
FROM gcr.io/distroless/static-debian13:nonroot
COPY --from=build /out/analyticsdb /usr/local/bin/analyticsdb
# 65532 is distroless' "nonroot"; numeric so Kubernetes' runAsNonRoot can verify it.
USER 65532:65532
# --http-address default: /metrics (Prometheus), /livez and /readyz.
EXPOSE 9477
# The image has no shell or curl: the binary probes its own /readyz (200
# while PostgreSQL answers, a Kafka broker answers and a partition is
# assigned). Kubernetes probes GET /livez (and /readyz) on 9477 directly.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/usr/local/bin/analyticsdb", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/analyticsdb"]
CMD ["run"]
