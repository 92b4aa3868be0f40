# Engram — build, run and test. `make run` and `make test` are the two
# commands a fresh machine needs (see README.md).

GO        ?= go
BIN       ?= bin/engram
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X github.com/engramhq/engram/app.Version=$(VERSION)
FUZZTIME  ?= 5s
BENCHTIME ?= 2000x

.PHONY: all build run test deps lint unit fuzz bench clean

all: build

## build: the engram binary (CLI, stdio and HTTP MCP, embedded store)
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) .

## run: build and run Engram on the embedded SQLite store
run: build
	./$(BIN) serve

## test: install what the tests need, then lint, unit, end-to-end and fuzz tests under -race
test: deps lint unit fuzz

deps:
	$(GO) mod download

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' | grep -v '_templ\.go$$')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

unit:
	$(GO) test -race -count=1 -timeout 20m ./...

## fuzz: a short run of every fuzz target (seed corpora live in testdata/fuzz)
fuzz:
	@set -e; for f in $$(grep -rl --include='*_test.go' '^func Fuzz' .); do \
	  pkg=./$$(dirname $$f); \
	  for t in $$(grep -o '^func Fuzz[A-Za-z0-9_]*' $$f | cut -d' ' -f2); do \
	    echo "fuzz $$pkg $$t ($(FUZZTIME))"; \
	    $(GO) test -run='^$$' -fuzz="^$$t$$" -fuzztime=$(FUZZTIME) $$pkg; \
	  done; \
	done

## bench: store, search and end-to-end benchmarks (numbers for the notes)
bench:
	$(GO) test -run='^$$' -bench=. -benchtime=$(BENCHTIME) -timeout 60m ./...

clean:
	rm -rf bin
