# Engram — build, run and test. `make run` and `make test` are the two
# commands a fresh machine needs (see README.md).

GO        ?= go
BIN       ?= bin/engram
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X github.com/engramhq/engram/app.Version=$(VERSION)
FUZZTIME  ?= 5s
BENCHTIME ?= 2000x

.PHONY: all build build-desktop build-headless run install cross test deps lint unit fuzz bench loadbench loadbench-neo4j reference soak clean e2e graph graph-check templ neo4j-start neo4j-stop

all: build

# The desktop build (tray + Wails window) needs cgo, GTK 3, WebKitGTK 4.1 and
# Ayatana AppIndicator (build/install-deps.sh installs them); without them
# the build is headless: CLI, stdio and HTTP MCP, web UI, both stores.
DESKTOP_TAGS := desktop,production,webkit2_41
GUI_LIBS     := gtk+-3.0 webkit2gtk-4.1 ayatana-appindicator3-0.1
HAVE_GUI     := $(shell pkg-config --exists $(GUI_LIBS) 2>/dev/null && echo yes)

## build: the desktop binary when the GUI libraries are installed, else the headless one
ifeq ($(HAVE_GUI),yes)
build: build-desktop
else
build: build-headless
	@echo "built without the desktop app: $(GUI_LIBS) are not installed (build/install-deps.sh installs them)"
endif

## build-desktop: engram with the tray and the window (cgo)
build-desktop:
	$(GO) build -tags $(DESKTOP_TAGS) -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) .

## build-headless: a static engram without GUI libraries (CGO_ENABLED=0)
build-headless:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) .

## run: build and run Engram on the embedded SQLite store: the desktop app
## (tray and window) on a display, engram serve without one
run: build
	./$(BIN)

PREFIX ?= $(HOME)/.local
## install: engram, its launcher entry and icon under PREFIX (default ~/.local)
install: build
	install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/engram
	install -D -m 0644 build/appicon.png $(DESTDIR)$(PREFIX)/share/icons/hicolor/256x256/apps/engram.png
	install -d $(DESTDIR)$(PREFIX)/share/applications
	sed 's|^Exec=.*|Exec=$(PREFIX)/bin/engram|' build/linux/engram.desktop > $(DESTDIR)$(PREFIX)/share/applications/engram.desktop
	-command -v update-desktop-database >/dev/null && update-desktop-database $(DESTDIR)$(PREFIX)/share/applications

## cross: the parts that cross-compile without a C toolchain: the whole
## desktop app for Windows (systray and WebView2 are pure Go there) and the
## headless build for macOS and Linux on arm64 (see docs/desktop.md)
cross:
	GOOS=windows GOARCH=amd64 CGO_ENABLED=0 $(GO) build -tags $(DESKTOP_TAGS) -ldflags '-H=windowsgui' -o /dev/null .
	GOOS=darwin GOARCH=arm64 CGO_ENABLED=0 $(GO) build -o /dev/null .
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -o /dev/null .

## test: install what the tests need, then lint, unit, end-to-end and fuzz tests under -race
test: deps lint cross unit fuzz graph-check e2e

deps:
	build/install-deps.sh
	$(GO) mod download
	$(MAKE) --no-print-directory reference

## reference: install the reference MCP memory server the load runs compare with
reference:
	npm ci --prefix build/bench/reference --no-audit --no-fund --silent

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' | grep -v '_templ\.go$$')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags $(DESKTOP_TAGS) ./app/
	$(GO) tool staticcheck ./...
	$(GO) tool staticcheck -tags $(DESKTOP_TAGS) ./app/

# unit runs every Go test under -race with a real Neo4j started for the
# duration (stopped after unless it was already running); the Neo4j tests fail
# rather than skip here when it cannot start, and so does the desktop test
# (desktop_e2e_test.go: the GUI build under Xvfb) without its tools.
unit:
	build/neo4j/neo4j.sh run env ENGRAM_TEST_NEO4J_REQUIRED=1 ENGRAM_TEST_DESKTOP_REQUIRED=1 \
	  $(GO) test -race -count=1 -timeout 20m ./...

## neo4j-start / neo4j-stop: a Neo4j 5.26 Community for development (prints its URI)
neo4j-start:
	@build/neo4j/neo4j.sh start

neo4j-stop:
	@build/neo4j/neo4j.sh stop

## fuzz: a short run of every fuzz target (seed corpora live in testdata/fuzz)
fuzz:
	@set -e; for f in $$(grep -rl --include='*_test.go' '^func Fuzz' .); do \
	  pkg=./$$(dirname $$f); \
	  for t in $$(grep -o '^func Fuzz[A-Za-z0-9_]*' $$f | cut -d' ' -f2); do \
	    echo "fuzz $$pkg $$t ($(FUZZTIME))"; \
	    $(GO) test -run='^$$' -fuzz="^$$t$$" -fuzztime=$(FUZZTIME) $$pkg; \
	  done; \
	done

## e2e: the web UI end to end: a real engram serve, the official MCP client and
## Debian's headless Chromium (apt-get install chromium); screenshots land in
## test-output/screenshots
CHROMIUM ?= /usr/bin/chromium
e2e: build-headless
	@test -x $(CHROMIUM) || { echo "e2e needs Chromium at $(CHROMIUM): apt-get install -y chromium"; exit 1; }
	cd frontend/e2e && npm ci --no-audit --no-fund --loglevel=error && CHROMIUM=$(CHROMIUM) npm test

## graph: rebuild the graph explorer bundle (frontend/static/graph*.{js,css}, committed)
graph:
	cd frontend/graph && npm ci --no-audit --no-fund --loglevel=error && npm run build

## graph-check: the graph script's unit tests, and the committed bundle is its source's build
GRAPH_BUNDLE := frontend/static/graph.js frontend/static/graph-layout.js frontend/static/graph.css
graph-check: graph
	cd frontend/graph && npm test
	@git diff --quiet -- $(GRAPH_BUNDLE) || { echo "$(GRAPH_BUNDLE) differ from a fresh build of frontend/graph: commit the output of make graph"; exit 1; }

## bench: store, search and end-to-end benchmarks, then the load generator
## on Engram and the reference server (results in $(RESULTS), see docs/benchmarks.md)
bench: deps
	build/neo4j/neo4j.sh run $(GO) test -run='^$$' -bench=. -benchtime=$(BENCHTIME) -timeout 60m ./...
	$(MAKE) loadbench

RESULTS   ?= build/bench/results
LOADTIME  ?= 30s
CLIENTS   ?= 32
RATE      ?= 100
SIZES     ?= 1000 10000 100000
LOADGEN   := $(GO) run ./build/bench -engram $(BIN) -duration $(LOADTIME) -seedcache $(or $(TMPDIR),/tmp)/engram-bench-seeds
## loadbench: the load generator at each of SIZES: Engram over HTTP with
## CLIENTS clients flat out and paced at RATE ops/s, Engram and the reference
## server with one client; at 10k also Engram over stdio and the reference
## with CLIENTS clients. Every run is capped at LOADTIME.
loadbench: build-headless reference
	@mkdir -p $(RESULTS)
	@set -e; for n in $(SIZES); do \
	  $(LOADGEN) -clients $(CLIENTS) -size $$n -json $(RESULTS)/engram-http-c$(CLIENTS)-$$n.json; \
	  $(LOADGEN) -clients $(CLIENTS) -rate $(RATE) -size $$n -json $(RESULTS)/engram-http-c$(CLIENTS)-r$(RATE)-$$n.json; \
	  $(LOADGEN) -clients 1 -size $$n -json $(RESULTS)/engram-http-c1-$$n.json; \
	  $(LOADGEN) -server reference -clients 1 -size $$n -json $(RESULTS)/reference-c1-$$n.json; \
	done
	-$(LOADGEN) -transport stdio -clients 4 -size 10000 -json $(RESULTS)/x-engram-stdio-c4-10000.json
	-$(LOADGEN) -server reference -clients $(CLIENTS) -size 10000 -json $(RESULTS)/x-reference-c$(CLIENTS)-10000.json
	$(GO) run ./build/bench plot -o docs/benchmarks-latency.svg $$(ls $(RESULTS)/engram-*.json $(RESULTS)/reference-*.json $(RESULTS)/neo4j-*.json 2>/dev/null)

## loadbench-neo4j: Engram on Neo4j at each of SIZES, one client and
## CLIENTS clients: on the server NEO4J_URI (and _USERNAME, _PASSWORD,
## _DATABASE) names, else on a Neo4j of build/neo4j/neo4j.sh of its own,
## started fresh for each size so that no run searches another's memories.
NEO4J_BENCH_HOME ?= $(or $(TMPDIR),/tmp)/engram-neo4j-bench
loadbench-neo4j: build-headless
	@mkdir -p $(RESULTS)
	@set -e; own=; [ -n "$$NEO4J_URI" ] || own=1; \
	export ENGRAM_NEO4J_HOME=$(NEO4J_BENCH_HOME); \
	if [ -n "$$own" ]; then trap 'build/neo4j/neo4j.sh stop' EXIT; fi; \
	for n in $(SIZES); do \
	  if [ -n "$$own" ]; then \
	    build/neo4j/neo4j.sh stop; eval "$$(build/neo4j/neo4j.sh start)"; \
	    export NEO4J_URI=$$ENGRAM_TEST_NEO4J_URI NEO4J_USERNAME=$$ENGRAM_TEST_NEO4J_USERNAME \
	      NEO4J_PASSWORD=$$ENGRAM_TEST_NEO4J_PASSWORD NEO4J_DATABASE=$$ENGRAM_TEST_NEO4J_DATABASE; \
	  fi; \
	  $(LOADGEN) -backend neo4j -clients 1 -size $$n -json $(RESULTS)/neo4j-http-c1-$$n.json; \
	  $(LOADGEN) -backend neo4j -clients $(CLIENTS) -size $$n -json $(RESULTS)/neo4j-http-c$(CLIENTS)-$$n.json; \
	done

SOAKROUNDS ?= 50
## soak: many crash rounds, a long load and a long fuzz run
soak: deps build-headless
	ENGRAM_CRASH_ROUNDS=$(SOAKROUNDS) $(GO) test -race -count=1 -timeout 60m -run 'TestCrash|TestTwoDirect|TestNeo4jOutage|TestHTTPAbuse|TestSessionFlood|TestArgumentLimits|TestInjection' -v .
	$(GO) run ./build/bench -engram $(BIN) -transport http -clients $(CLIENTS) -size 10000 -duration 10m
	$(MAKE) fuzz FUZZTIME=2m

## templ: regenerate the web UI's templ components (commit the *_templ.go files)
templ:
	$(GO) tool templ generate -path frontend

clean:
	rm -rf bin
