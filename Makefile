# toplab: every documented entry point is a target here; `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

GO        ?= go
BIN       := bin/toplab
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
LDFLAGS   := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT)
TEST_TIMEOUT ?= 15m
# TESTFLAGS adds go test flags; CI passes -count=1 so results cached from an
# earlier run (blind to Docker and servers) are never reported as passing.
TESTFLAGS ?=
# Debian packages for the Docker, image, benchmark and comparison targets.
DEB_PACKAGES := docker.io debootstrap wrk nginx-light

DOCKER_HINT := needs a running Docker engine: run 'make deps', then start it with 'dockerd --bridge=none --iptables=false &' (containers use host networking only)

# ENV picks the environment of `make double11` and `make smoke`: embedded
# (local processes on SQLite files, only Go needed) or containers (plus
# MariaDB and Redis containers: needs Docker and `make images`).
ENV ?= embedded
RUNS ?= runs

.PHONY: help build up double11 smoke crosscheck test test-short bench bench-baseline bench-gateway bench-push lint images clean deps check-docker

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z0-9-]+:.*## / {printf "  %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## build the static binary bin/toplab (CGO_ENABLED=0, version injected)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/toplab

up: build ## start the reference system on 127.0.0.1 (gateway :8800) with the demo tenant; Ctrl-C stops it
	$(BIN) up

double11: build ## the Double-11 night (7 min + calibration): whole system under scenarios/double11.yaml, report in runs/ (ENV=containers: MariaDB + Redis)
	$(BIN) run double11 -env $(ENV) -out $(RUNS)

smoke: build ## the under-a-minute smoke scenario (CI): every stream, node role and SLO kind, report in runs/
	$(BIN) run smoke -env $(ENV) -out $(RUNS)

crosscheck: ## the closed-model cross-check against Debian's wrk alone, verbose (needs wrk; part of make test)
	$(GO) test -count=1 -run TestClosedModelAgreesWithWrk -v ./loadgen/

test: ## every test with -race, then the wrk cross-check without it; Docker and wrk tests skip loudly when missing (fail with TOPLAB_REQUIRE_INTEGRATION=1)
	$(GO) test -race -timeout $(TEST_TIMEOUT) $(TESTFLAGS) ./...
	@# The race detector slows the Go client several-fold and wrk not at all, so the cross-check runs in a build without it.
	$(GO) test -timeout 5m $(TESTFLAGS) -count=1 -run '^TestClosedModelAgreesWithWrk$$' ./loadgen/

test-short: ## run the tests that need no Docker (-short)
	$(GO) test -short -timeout $(TEST_TIMEOUT) ./...

bench: ## run the benchmarks once each with allocation counts
	$(GO) test -run '^$$' -bench . -benchmem -timeout 30m ./...

bench-baseline: ## record PKG's benchmarks (count 5) in PKG/testdata/bench.txt with machine, Go version and date, e.g. make bench-baseline PKG=./system/top
	@test -n "$(PKG)" || { echo "usage: make bench-baseline PKG=./system/top" >&2; exit 2; }
	@mkdir -p $(PKG)/testdata
	@{ echo "# machine: $$(nproc) cores, $$(free -g | awk '/Mem:/{print $$2}') GiB, $$(. /etc/os-release && echo $$PRETTY_NAME) (shared, noisy: compare within one file)"; \
	  echo "# go: $$($(GO) env GOVERSION)"; echo "# date: $$(date -u +%F)"; \
	  $(GO) test -run '^$$' -bench . -benchmem -count 5 $(PKG); } > $(PKG)/testdata/bench.txt.tmp
	@mv $(PKG)/testdata/bench.txt.tmp $(PKG)/testdata/bench.txt && echo "wrote $(PKG)/testdata/bench.txt"

bench-gateway: build ## end-to-end on loopback: backend alone, gateway, ReverseProxy, nginx proxy_pass (nginx from `make deps`)
	@command -v nginx >/dev/null 2>&1 || echo "nginx not installed: its row is skipped (run 'make deps' to compare with nginx proxy_pass)" >&2
	$(BIN) bench gateway

bench-push: build ## end-to-end push: 10k TMC clients on two push nodes, publish -> receive latency at 20k msg/s
	$(BIN) bench push -conns 10000 -rate 20000 -duration 10s

lint: ## go vet plus staticcheck (pinned in go.mod as a tool)
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

check-docker:
	@command -v docker >/dev/null 2>&1 || { echo "docker not found: this target $(DOCKER_HINT)" >&2; exit 1; }
	@docker info >/dev/null 2>&1 || { echo "docker daemon not reachable: this target $(DOCKER_HINT)" >&2; exit 1; }

images: build check-docker ## build the offline images toplab/{redis,mariadb,toplab}:local (cached; needs Docker and debootstrap)
	$(BIN) images

clean: ## remove bin/, runs/ and containers left by interrupted tests
	rm -rf bin runs
	@if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then \
		ids=$$(docker ps -aq --filter label=io.toplab.testenv); \
		if [ -n "$$ids" ]; then docker rm -f $$ids >/dev/null && echo "removed leftover test containers"; fi; \
		docker network rm reaper_default >/dev/null 2>&1 || true; \
	fi

deps: ## install the Debian packages docker.io, debootstrap, wrk, nginx-light (as root)
	@if [ "$$(id -u)" != 0 ]; then echo "make deps installs Debian packages: run it as root" >&2; exit 1; fi
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(DEB_PACKAGES)
