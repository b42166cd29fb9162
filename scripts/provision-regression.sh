#!/usr/bin/env bash
# The fidelity tier's fixture: PostgreSQL's own `regression` database (what `make installcheck`
# leaves behind), in a data directory the tests copy and start (__tests__/helpers/regression.ts).
#
# Sourced by scripts/provision.sh (it reuses its helpers: step, die, apt_install, BUILD_DEPS,
# ensure_sid_deb_src). Run directly, it builds just this database (provision.sh --only-regression).
#
# Everything lives under $PGBA_REGRESS_ROOT (default /var/cache/pgba-regress):
#   postgresql-18-*/   the Debian source tree, built in place and kept: the regression database's
#                      C functions name src/test/regress/regress.so in it by absolute path
#   pg18/              the full PostgreSQL 18 server (make install --prefix)
#   template/          the data directory holding `regression`, owned by postgres, cleanly shut down
#   *.log              fetch, configure, make, install, initdb, server and installcheck logs
#   build.status       BUILD-OK once the server is installed
#   .complete          written last: when it exists nothing is done
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  exec bash "$(dirname "${BASH_SOURCE[0]}")/provision.sh" --only-regression
fi

REGRESS_ROOT="${PGBA_REGRESS_ROOT:-/var/cache/pgba-regress}"
REGRESS_PREFIX="$REGRESS_ROOT/pg18"
REGRESS_TEMPLATE="$REGRESS_ROOT/template"
REGRESS_WORK="$REGRESS_ROOT/work"  # the installcheck cluster: its data dir becomes the template
REGRESS_SRC=""

# Runs "$@" and prints how long it took.
timed() {
  local what="$1" t=$SECONDS
  shift
  "$@"
  step "regression: $what took $((SECONDS - t)) s"
}

regress_build_ok() {
  [[ "$(cat "$REGRESS_ROOT/build.status" 2>/dev/null)" == BUILD-OK ]] \
    && "$REGRESS_PREFIX/bin/postgres" --version 2>/dev/null | grep -q '(PostgreSQL) 18'
}

find_regress_src() {
  REGRESS_SRC="$(find "$REGRESS_ROOT" -mindepth 1 -maxdepth 1 -type d -name 'postgresql-18-*' | sort | tail -n 1)"
  [[ -n "$REGRESS_SRC" && -f "$REGRESS_SRC/configure" ]]
}

fetch_regress_src() {
  if find_regress_src; then
    step "regression: source $(basename "$REGRESS_SRC") already fetched"
    return 0
  fi
  ensure_sid_deb_src
  LOG="$REGRESS_ROOT/fetch.log"
  (cd "$REGRESS_ROOT" && run_logged "apt-get source postgresql-18" \
    apt-get source -q -o APT::Sandbox::User=root postgresql-18)
  LOG=/dev/null
  find_regress_src || die "postgresql-18 source tree not found in $REGRESS_ROOT after apt-get source"
  step "regression: source $(basename "$REGRESS_SRC")"
}

# -O1 instead of configure's default -O2: about a third less compiler time (sampled compiles of this
# tree: 8.2 CPU-s against 12.5), the longest step on a fresh machine. The server is only a fixture: at
# -O1 its 231 regression tests pass and the fidelity tier takes as long as at -O2.
configure_regress() {
  LOG="$REGRESS_ROOT/configure.log"
  (cd "$REGRESS_SRC" && run_logged "configure (server)" ./configure --prefix="$REGRESS_PREFIX" \
    --without-readline --without-icu --with-zstd --with-lz4 --with-openssl CFLAGS=-O1)
}

make_regress() {
  LOG="$REGRESS_ROOT/make.log"
  run_logged "make (server)" make -C "$REGRESS_SRC" -j2
}

install_regress() {
  LOG="$REGRESS_ROOT/install.log"
  run_logged "make install (server)" make -C "$REGRESS_SRC" install
  LOG=/dev/null
}

ensure_regress_build() {
  if regress_build_ok; then
    find_regress_src || die "$REGRESS_ROOT/build.status says BUILD-OK but the source tree is gone"
    step "regression: server build cached ($("$REGRESS_PREFIX/bin/postgres" --version))"
    return 0
  fi
  apt_install "${BUILD_DEPS[@]}"
  rm -f "$REGRESS_ROOT/build.status"
  timed "apt-get source" fetch_regress_src
  timed "configure" configure_regress
  timed "make -j2" make_regress
  timed "make install" install_regress
  echo BUILD-OK >"$REGRESS_ROOT/build.status"
  regress_build_ok || die "$REGRESS_PREFIX/bin/postgres does not report version 18"
}

# A TCP port nothing listens on (the cluster also listens on its own socket directory).
free_regress_port() {
  local port
  for port in $(seq 55400 55499); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  die "no free port in 55400-55499"
}

as_postgres() { runuser -u postgres -- "$@"; }

init_regress_cluster() {
  rm -rf "$REGRESS_WORK"
  mkdir -p "$REGRESS_WORK"
  chown postgres:postgres "$REGRESS_WORK"
  LOG="$REGRESS_ROOT/initdb.log"
  : >"$LOG"
  run_logged "initdb" as_postgres "$REGRESS_PREFIX/bin/initdb" -D "$REGRESS_WORK/data" \
    --auth=trust --username=postgres --encoding=UTF8 --locale=C --no-sync
  LOG=/dev/null
  # Kept in the template. synchronous_commit=off would make the `stats` test fail.
  printf '\n# regression template\nfsync = off\nmax_prepared_transactions = 10\n' \
    >>"$REGRESS_WORK/data/postgresql.conf"
}

start_regress_cluster() {
  local port="$1"
  # Only for this run, not in the template: where to listen.
  as_postgres "$REGRESS_PREFIX/bin/pg_ctl" -D "$REGRESS_WORK/data" -l "$REGRESS_WORK/server.log" \
    -w -t 120 -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$REGRESS_WORK" \
    start >/dev/null || { tail -n 30 "$REGRESS_WORK/server.log" >&2; die "the regression server did not start"; }
}

stop_regress_cluster() {
  as_postgres "$REGRESS_PREFIX/bin/pg_ctl" -D "$REGRESS_WORK/data" -m fast -w -t 120 stop >/dev/null \
    || die "the regression server did not stop"
}

# One retry: pg_regress drops and recreates `regression`, so a flaky test does not stop CI.
run_installcheck() {
  local port="$1" attempt
  for attempt in 1 2; do
    if as_postgres env PGHOST=127.0.0.1 PGPORT="$port" PGUSER=postgres \
      make -C "$REGRESS_SRC/src/test/regress" installcheck-parallel \
      >"$REGRESS_ROOT/installcheck.log" 2>&1; then
      step "regression: $(grep -E '^# All [0-9]+ tests passed|tests passed' "$REGRESS_ROOT/installcheck.log" | tail -n 1)"
      return 0
    fi
    grep -E 'not ok|FAILED|failed' "$REGRESS_ROOT/installcheck.log" | head -n 20 >&2 || true
    warn "installcheck-parallel attempt $attempt failed (see $REGRESS_ROOT/installcheck.log)"
  done
  stop_regress_cluster
  die "make installcheck-parallel failed twice"
}

ensure_regress_template() {
  local port
  rm -rf "$REGRESS_TEMPLATE"
  # pg_regress writes results/ in the tree, as postgres.
  chown -R postgres:postgres "$REGRESS_SRC"
  timed "initdb" init_regress_cluster
  port="$(free_regress_port)"
  timed "server start (port $port)" start_regress_cluster "$port"
  timed "make installcheck-parallel" run_installcheck "$port"
  timed "server stop" stop_regress_cluster
  mv "$REGRESS_WORK/data" "$REGRESS_TEMPLATE"
  mv "$REGRESS_WORK/server.log" "$REGRESS_ROOT/server.log"
  rm -rf "$REGRESS_WORK"
}

ensure_regression_db() {
  local t0=$SECONDS
  if [[ -f "$REGRESS_ROOT/.complete" ]]; then
    step "regression: database template cached in $REGRESS_TEMPLATE"
    return 0
  fi
  mkdir -p "$REGRESS_ROOT"
  exec 9>"$REGRESS_ROOT/.lock"
  flock 9
  if [[ -f "$REGRESS_ROOT/.complete" ]]; then
    step "regression: database template cached in $REGRESS_TEMPLATE (built by another run)"
    exec 9>&-
    return 0
  fi
  step "regression: building PostgreSQL 18 and its regression database in $REGRESS_ROOT"
  ensure_regress_build
  ensure_regress_template
  date -u +%FT%TZ >"$REGRESS_ROOT/.complete"
  exec 9>&-
  step "regression: template ready in $((SECONDS - t0)) s"
}

ensure_regression_db
