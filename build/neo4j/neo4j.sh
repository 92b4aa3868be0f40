#!/usr/bin/env bash
# A Neo4j 5.26 Community server for Engram's tests and development.
#
#   build/neo4j/neo4j.sh start   start it (or reuse a running one); prints
#                                `export ENGRAM_TEST_NEO4J_...=...` lines
#   build/neo4j/neo4j.sh env     print those lines for the running server
#   build/neo4j/neo4j.sh stop    stop it and delete its data
#   build/neo4j/neo4j.sh run CMD...  run CMD with ENGRAM_TEST_NEO4J_* set,
#                                starting Neo4j first and stopping it after
#                                unless it was already running
#
# Maven resolves the jars once (cached in ~/.m2); the launcher is compiled
# with javac. State lives in $ENGRAM_NEO4J_HOME (default $TMPDIR/engram-neo4j):
# a fresh data directory per start, a generated password in a 0600 file.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
state="${ENGRAM_NEO4J_HOME:-${TMPDIR:-/tmp}/engram-neo4j}"
start_timeout="${ENGRAM_NEO4J_START_TIMEOUT:-180}"

log() { echo "neo4j.sh: $*" >&2; }

running() {
  [[ -f "$state/pid" ]] && kill -0 "$(cat "$state/pid")" 2>/dev/null
}

print_env() {
  local port
  port="$(cat "$state/ready")"
  echo "export ENGRAM_TEST_NEO4J_URI=bolt://127.0.0.1:$port"
  echo "export ENGRAM_TEST_NEO4J_USERNAME=neo4j"
  echo "export ENGRAM_TEST_NEO4J_PASSWORD=$(cat "$state/password")"
  echo "export ENGRAM_TEST_NEO4J_DATABASE=neo4j"
}

# classpath resolves the jars with Maven, once per pom.xml version.
classpath() {
  local key cp
  key="$(sha256sum "$here/pom.xml" "$here/src/Launcher.java" | sha256sum | cut -c1-16)"
  cp="$state/classpath-$key.txt"
  if [[ ! -s "$cp" ]]; then
    log "resolving Neo4j jars with Maven (first run: about a minute)"
    if ! mvn -B -q -Dstyle.color=never -f "$here/pom.xml" dependency:build-classpath \
        -Dmdep.outputFile="$cp.tmp" >"$state/maven.log" 2>&1; then
      log "Maven could not resolve the Neo4j jars; its output:"
      cat "$state/maven.log" >&2
      exit 1
    fi
    mv "$cp.tmp" "$cp"
    rm -rf "$state/classes"
  fi
  if [[ ! -f "$state/classes/Launcher.class" ]]; then
    mkdir -p "$state/classes"
    javac -cp "$(cat "$cp")" -d "$state/classes" "$here/src/Launcher.java"
  fi
  echo "$state/classes:$(cat "$cp")"
}

bolt_answers() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start() {
  mkdir -p "$state"
  chmod 700 "$state"
  if running && [[ -f "$state/ready" ]]; then
    print_env
    return
  fi
  command -v java >/dev/null || { log "java not found: install a JDK 17 (apt-get install openjdk-17-jdk-headless)"; exit 1; }
  command -v mvn >/dev/null || { log "mvn not found: install Maven (apt-get install maven)"; exit 1; }
  local cp
  cp="$(classpath)"
  rm -rf "$state/data" "$state/ready"
  (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$state/password")
  log "starting Neo4j (log: $state/neo4j.log)"
  nohup java -Xms256m -Xmx1g -XX:+UseParallelGC -cp "$cp" Launcher \
    "$state/data" "$state/ready" "$state/password" >"$state/neo4j.log" 2>&1 &
  echo $! >"$state/pid"
  local waited=0
  until [[ -f "$state/ready" ]] && bolt_answers "$(cat "$state/ready")"; do
    if ! running; then
      log "Neo4j exited during start-up; last lines of its log:"
      tail -n 30 "$state/neo4j.log" >&2
      exit 1
    fi
    if (( waited >= start_timeout )); then
      log "Neo4j did not answer within ${start_timeout}s; last lines of its log:"
      tail -n 30 "$state/neo4j.log" >&2
      stop
      exit 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
  log "Neo4j answers on bolt://127.0.0.1:$(cat "$state/ready") after ${waited}s"
  print_env
}

stop() {
  if running; then
    local pid
    pid="$(cat "$state/pid")"
    kill -TERM "$pid"
    for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then
      log "Neo4j did not stop within 30s; killing it"
      kill -KILL "$pid"
    fi
  fi
  rm -rf "$state/data" "$state/ready" "$state/pid" "$state/password"
}

# run_with runs a command against the server, which it starts if needed and
# then stops again (only if it started it).
run_with() {
  local started=
  if ! { running && [[ -f "$state/ready" ]]; }; then started=1; fi
  local exports
  exports="$(start)" || return 1
  eval "$exports"
  local rc=0
  "$@" || rc=$?
  if [[ -n "$started" ]]; then stop; fi
  return "$rc"
}

case "${1:-}" in
  start) start ;;
  run) shift; run_with "$@" ;;
  stop) stop ;;
  env)
    running && [[ -f "$state/ready" ]] || { log "no Neo4j running (run: $0 start)"; exit 1; }
    print_env
    ;;
  *) echo "usage: $0 start|env|stop|run CMD..." >&2; exit 2 ;;
esac
