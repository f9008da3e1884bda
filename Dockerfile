# amwaht images, built from the repository root.
#
#   docker build -t amwaht-worker .                  # default target: the worker (+ starter CLI, + console)
#   docker build -t amwaht-relay --target relay .    # dev-only SendGrid stand-in (docker-compose.yml)
#
# Plain Dockerfile syntax (no BuildKit-only features), so the classic builder
# of docker-compose v1 builds it too. .ci/compose-check.sh runs the `go build`
# lines below outside Docker, so keep each one a plain RUN of `go build`.

# ---- build: Go toolchain pinned to go.mod's version (the image sets GOTOOLCHAIN=local)
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
# Modules first: this layer is reused until go.mod or go.sum change.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/ ./worker ./starter ./console

# ---- build-relay: only built for the relay target (BuildKit skips it for the worker)
FROM build AS build-relay
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/ ./cmd/sendgrid-relay
# An empty folder the non-root relay may write its Event Webhook key pair
# into: a new named volume mounted there takes its owner from the image.
RUN mkdir -p /relay-keys

# ---- relay: development SendGrid v3 stand-in that relays to Mailpit over SMTP
FROM gcr.io/distroless/static-debian12:nonroot AS relay
COPY --from=build-relay /out/sendgrid-relay /usr/local/bin/sendgrid-relay
COPY --from=build-relay --chown=65532:65532 /relay-keys /keys
USER nonroot
EXPOSE 3030
ENTRYPOINT ["/usr/local/bin/sendgrid-relay"]

# ---- worker (default, last stage): static binaries on distroless, no shell, non-root
FROM gcr.io/distroless/static-debian12:nonroot AS worker
LABEL org.opencontainers.image.title="amwaht" \
      org.opencontainers.image.description="amwaht Temporal worker, staff CLI (starter) and staff console (console)" \
      org.opencontainers.image.source="https://github.com/stichtingbmp/amwaht"
COPY --from=build /out/worker /out/starter /out/console /usr/local/bin/
USER nonroot
ENTRYPOINT ["/usr/local/bin/worker"]
