# amwaht: the README's two commands are `make demo` and `make test`.
GO ?= go
PKGS := ./...

.PHONY: demo cluster test bench temporal-cli browser-deps screenshots check check-deploy build clean record-histories

## demo: bring up Temporal (Web UI http://localhost:8233), PostgreSQL, the worker and demo rollouts
demo:
	$(GO) run ./cmd/dev demo

## cluster: the production topology without Docker, as docker-compose.yml describes it: Temporal's own
## server on PostgreSQL (schemas, namespace, search attributes), its Web UI (http://localhost:8080), two
## workers and the console (http://localhost:8088); the first run builds the server and UI into the cache
cluster:
	$(GO) run ./cmd/dev cluster

## test: formatting, vet, then every test (unit, replay, integration on the real dev server and PostgreSQL)
test: check check-deploy temporal-cli browser-deps
	$(GO) test -count=1 -timeout 20m $(PKGS)

## bench: the performance figures (not part of test): one line per figure, each beside a baseline from the same run
bench: temporal-cli
	$(GO) run ./cmd/bench $(BENCHFLAGS)

## browser-deps: what the console's browser tests need: Debian's chromium (apt-get when missing) and the
## pinned npm packages (axe-core; the NL Design System CSS the console embeds, checked against its copy)
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { echo "installing chromium (apt-get)"; \
	  $(if $(filter 0,$(shell id -u)),,sudo) apt-get update -qq && $(if $(filter 0,$(shell id -u)),,sudo) apt-get install -y -qq chromium >/dev/null; }
	@[ -f internal/console/web/node_modules/axe-core/axe.min.js ] || npm ci --prefix internal/console/web --no-audit --no-fund --loglevel=error

## screenshots: the console's browser tests, writing a screenshot of every page to screenshots/
screenshots: temporal-cli browser-deps
	AMWAHT_SCREENSHOTS=$(CURDIR)/screenshots $(GO) test -count=1 -run 'Browser' ./internal/console

## temporal-cli: build the pinned Temporal CLI into ~/.cache/amwaht once (3 to 6 minutes the first time)
temporal-cli:
	@$(GO) run ./cmd/dev temporal-cli >/dev/null

check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) run go.temporal.io/sdk/contrib/tools/workflowcheck@v0.6.0 -config workflows/workflowcheck.config.yaml ./workflows/...
	@$(GO) run github.com/fzipp/gocyclo/cmd/gocyclo@v0.6.0 -over 20 workflows/ || { echo "a function in workflows/ is too complex (cyclomatic complexity over 20): split it"; exit 1; }

## check-deploy: validate docker-compose.yml (docker-compose config) and build the Dockerfile's Go stages outside Docker
check-deploy:
	bash .ci/compose-check.sh

build:
	$(GO) build -o bin/ ./worker ./starter ./console

clean:
	rm -rf bin

## record-histories: re-record workflows/testdata from the real dev server (only for changes that need no versioning);
## AS=name records a new set beside the old ones (after a change guarded by workflow.GetVersion);
## make's own default AS (the assembler, "as") does not count
record-histories: temporal-cli
	AMWAHT_RECORD_HISTORIES=1 AMWAHT_RECORD_AS=$(if $(filter default,$(origin AS)),,$(AS)) $(GO) test -count=1 -run TestDemoWaveLifecycle ./internal/e2e
