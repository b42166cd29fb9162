#!/usr/bin/env bash
# Provision a Debian 12 (bookworm) machine for this project's integration tests.
#
# Idempotent and fast when everything is already in place. Ensures:
#   - apt packages postgresql-15, postgresql-client-15, age, zstd and awscli (S3 tests read back)
#     (no Debian-managed cluster is needed: tests start their own servers)
#   - a PostgreSQL 18 client (pg_dump, pg_restore, pg_dumpall, psql, libpq) in
#     /usr/lib/postgresql/18, built from Debian's *source* package postgresql-18
#     (suite sid, deb-src only: sid binaries need a newer glibc than bookworm's)
#   - the embedded servers in node_modules/pg-server-{13,17,18} run as `postgres`
#   - the providers tier's extensions: PostGIS, pg_cron, pg_partman, pgaudit
#     (scripts/provision-providers.sh) and the fidelity tier's regression database
#     (scripts/provision-regression.sh; --without-regression leaves it out, --only-regression
#     builds just it)
# and prints a summary of the available clients and servers.
#
# Must run as root. Exits non-zero with a message on the first failure.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
export LC_ALL=C

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PG18_PREFIX="${PG18_PREFIX:-/usr/lib/postgresql/18}"  # override only to test the build
SID_SRC_LIST=/etc/apt/sources.list.d/sid-src.sources
APT_PACKAGES=(postgresql-15 postgresql-client-15 age zstd awscli)
BUILD_DEPS=(build-essential dpkg-dev bison flex pkg-config zlib1g-dev libzstd-dev liblz4-dev libssl-dev)
EMBEDDED_MAJORS=(13 17 18)
APT_UPDATED=0
BUILD_DIR=""

step() { printf '[provision] %s\n' "$*"; }
warn() { printf '[provision] WARNING: %s\n' "$*" >&2; }
die() { printf '[provision] ERROR: %s\n' "$*" >&2; exit 1; }

cleanup() { if [[ -n "$BUILD_DIR" && -d "$BUILD_DIR" ]]; then rm -rf "$BUILD_DIR"; fi; }
trap cleanup EXIT

# Run a command with its output in $LOG; on failure show the log tail and stop.
LOG=/dev/null
run_logged() {
  local what="$1"; shift
  if ! "$@" >>"$LOG" 2>&1; then
    [[ "$LOG" != /dev/null ]] && tail -n 40 "$LOG" >&2
    die "$what failed"
  fi
}

is_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

apt_update_once() {
  [[ "$APT_UPDATED" == 1 ]] && return 0
  step "apt-get update"
  local out
  if ! out="$(apt-get update -q 2>&1)"; then
    # An unreachable third-party source must not stop us; a later install fails clearly if needed.
    warn "apt-get update reported errors:"
    printf '%s\n' "$out" | grep -E '^(E|W):' | head -n 10 >&2 || true
  fi
  APT_UPDATED=1
}

apt_install() {
  local missing=() pkg
  for pkg in "$@"; do is_installed "$pkg" || missing+=("$pkg"); done
  if [[ ${#missing[@]} -eq 0 ]]; then
    return 0
  fi
  apt_update_once
  step "apt-get install ${missing[*]}"
  local out
  if ! out="$(apt-get install -y -q --no-install-recommends "${missing[@]}" 2>&1)"; then
    printf '%s\n' "$out" | tail -n 30 >&2
    die "apt-get install ${missing[*]} failed"
  fi
}

check_platform() {
  [[ "$(id -u)" == 0 ]] || die "must run as root (initdb is then run as the postgres user)"
  command -v apt-get >/dev/null || die "apt-get not found: this script targets Debian 12"
  local codename
  codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-unknown}")"
  [[ "$codename" == bookworm ]] || warn "expected Debian 12 (bookworm), found '$codename'"
  step "platform: $(. /etc/os-release && echo "$PRETTY_NAME"), $(nproc) cores"
}

# postgresql-common creates and starts a cluster 15/main on install; our tests never use it.
disable_main_cluster_creation() {
  local conf=/etc/postgresql-common/createcluster.d/50-no-main-cluster.conf
  if [[ ! -f "$conf" ]]; then
    mkdir -p "$(dirname "$conf")"
    printf '# tests start their own servers; no Debian-managed cluster is needed\ncreate_main_cluster = false\n' >"$conf"
  fi
}

# Installs the runtime packages, plus the build deps when the pg 18 client must be built
# (one apt-get update and one apt-get install on a fresh machine).
ensure_apt_packages() {
  disable_main_cluster_creation
  local extra=()
  if ! pg18_client_ok; then
    write_sid_src_list
    extra=("${BUILD_DEPS[@]}")
  fi
  apt_install "${APT_PACKAGES[@]}" "${extra[@]}"
  local pkg
  for pkg in "${APT_PACKAGES[@]}"; do
    is_installed "$pkg" || die "package $pkg is not installed"
  done
  step "apt packages ok: ${APT_PACKAGES[*]} (age $(age --version 2>/dev/null || echo '?'))"
}

report_debian_cluster() {
  local clusters
  clusters="$(pg_lsclusters -h 2>/dev/null | awk '{print $1"/"$2" ("$4")"}' | paste -sd' ' - || true)"
  if [[ -n "$clusters" ]]; then
    step "debian cluster(s) present but not used by tests: $clusters"
  else
    step "no debian-managed cluster (not needed: tests start their own servers)"
  fi
}

pg18_client_ok() {
  local v
  v="$("$PG18_PREFIX/bin/pg_dump" --version 2>/dev/null)" || return 1
  [[ "$v" =~ \(PostgreSQL\)\ 18(\.|$|[^0-9]) ]]
}

write_sid_src_list() {
  local want
  want="$(cat <<'EOF'
# Source packages only (Types: deb-src): used to build the PostgreSQL 18 client.
# Never add "deb" here: sid binaries do not run on bookworm.
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: sid
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
)"
  if [[ ! -f "$SID_SRC_LIST" ]] || [[ "$(cat "$SID_SRC_LIST")" != "$want" ]]; then
    printf '%s\n' "$want" >"$SID_SRC_LIST"
    step "added $SID_SRC_LIST (deb-src only)"
    APT_UPDATED=0
  fi
}

ensure_sid_deb_src() {
  write_sid_src_list
  if ! apt-cache showsrc postgresql-18 2>/dev/null | grep -q '^Package: postgresql-18$'; then
    APT_UPDATED=0
    apt_update_once
  fi
  apt-cache showsrc postgresql-18 2>/dev/null | grep -q '^Package: postgresql-18$' \
    || die "source package postgresql-18 not found in sid deb-src (is deb.debian.org reachable?)"
}

fetch_pg18_source() {
  step "apt-get source postgresql-18 (sid)"
  (cd "$BUILD_DIR" && run_logged "apt-get source postgresql-18" \
    apt-get source -q -o APT::Sandbox::User=root postgresql-18)
  SRC_DIR="$(find "$BUILD_DIR" -mindepth 1 -maxdepth 1 -type d -name 'postgresql-18*' | head -n 1)"
  [[ -n "$SRC_DIR" && -f "$SRC_DIR/configure" ]] || die "postgresql-18 source tree not found after apt-get source"
  step "source: $(basename "$SRC_DIR")"
}

configure_pg18() {
  step "configure (prefix $PG18_PREFIX)"
  # rpath is on by default: binaries find $PG18_PREFIX/lib/libpq.so.5 without LD_LIBRARY_PATH.
  (cd "$SRC_DIR" && run_logged "configure" ./configure \
    --prefix="$PG18_PREFIX" --without-readline --without-icu \
    --with-zstd --with-lz4 --with-openssl)
}

make_pg18() {
  local dir
  for dir in src/backend:generated-headers src/common src/port src/interfaces/libpq src/fe_utils src/bin/pg_dump src/bin/psql; do
    local target="${dir#*:}"; [[ "$dir" == *:* ]] || target=all
    step "make -j2 -C ${dir%%:*} $target"
    run_logged "make ${dir%%:*}" make -j2 -C "$SRC_DIR/${dir%%:*}" "$target"
  done
}

install_pg18() {
  local dir
  for dir in src/interfaces/libpq src/bin/pg_dump src/bin/psql; do
    step "make install -C $dir"
    run_logged "install $dir" make -C "$SRC_DIR/$dir" install
  done
}

verify_pg18() {
  pg18_client_ok || die "$PG18_PREFIX/bin/pg_dump does not report version 18"
  local bin lib
  for bin in pg_dump pg_restore pg_dumpall psql; do
    [[ -x "$PG18_PREFIX/bin/$bin" ]] || die "$PG18_PREFIX/bin/$bin missing"
    lib="$(env -u LD_LIBRARY_PATH ldd "$PG18_PREFIX/bin/$bin" | awk '$1=="libpq.so.5"{print $3}')"
    [[ "$lib" == "$PG18_PREFIX/lib/libpq.so.5" ]] || die "$bin links libpq from '$lib', expected $PG18_PREFIX/lib"
  done
  "$PG18_PREFIX/bin/psql" --version >/dev/null || die "psql 18 does not run"
  "$PG18_PREFIX/bin/pg_restore" --version >/dev/null || die "pg_restore 18 does not run"
}

ensure_pg18_client() {
  if pg18_client_ok; then
    verify_pg18
    step "pg 18 client ok: $("$PG18_PREFIX/bin/pg_dump" --version) (build skipped)"
    return 0
  fi
  local started=$SECONDS t
  step "building PostgreSQL 18 client from Debian source"
  apt_install "${BUILD_DEPS[@]}"
  ensure_sid_deb_src
  BUILD_DIR="$(mktemp -d /tmp/pg18-build.XXXXXX)"
  LOG="$BUILD_DIR/build.log"
  fetch_pg18_source
  t=$SECONDS
  configure_pg18
  make_pg18
  install_pg18
  verify_pg18
  LOG=/dev/null
  cleanup; BUILD_DIR=""
  step "pg 18 client built in $((SECONDS - started)) s (configure+make+install $((SECONDS - t)) s): $("$PG18_PREFIX/bin/pg_dump" --version)"
}

# The embedded servers must run as `postgres`: it must traverse the repo path.
check_embedded_servers() {
  local n bin v
  for n in "${EMBEDDED_MAJORS[@]}"; do
    bin="$REPO_ROOT/node_modules/pg-server-$n/native/bin/postgres"
    if [[ ! -x "$bin" ]]; then
      warn "embedded server $n missing ($bin): run npm ci"
      continue
    fi
    if v="$(runuser -u postgres -- "$bin" --version 2>/dev/null)"; then
      step "embedded server $n runs as postgres: $v"
    else
      warn "embedded server $n does not run as postgres (path not traversable?); the test helper copies it to a readable temp dir"
    fi
  done
}

summary() {
  local d n clients=() servers=()
  for d in /usr/lib/postgresql/*/bin; do
    [[ -x "$d/pg_dump" ]] || continue
    n="$(basename "$(dirname "$d")")"
    clients+=("$n=$("$d/pg_dump" --version | awk '{print $3}')")
  done
  [[ -x /usr/lib/postgresql/15/bin/postgres ]] \
    && servers+=("15=$(/usr/lib/postgresql/15/bin/postgres --version | awk '{print $3}')(system)")
  for n in "${EMBEDDED_MAJORS[@]}"; do
    d="$REPO_ROOT/node_modules/pg-server-$n/native/bin"
    [[ -x "$d/postgres" ]] && servers+=("$n=$("$d/postgres" --version | awk '{print $3}')(node_modules)")
  done
  step "clients (pg_dump): ${clients[*]:-none}"
  step "servers: ${servers[*]:-none}"
}

# --without-regression leaves out the fidelity tier's regression database (scripts/test.sh builds it
# in the background while the other tiers run); --only-regression builds just that database.
main() {
  local t0=$SECONDS regression=with
  case "${1:-}" in
    --without-regression) regression=without ;;
    --only-regression) regression=only ;;
    "") ;;
    *) die "unknown option $1 (--without-regression, --only-regression)" ;;
  esac
  check_platform
  if [[ "$regression" == only ]]; then
    source "$REPO_ROOT/scripts/provision-regression.sh"
    step "done in $((SECONDS - t0)) s"
    return 0
  fi
  ensure_apt_packages
  report_debian_cluster
  ensure_pg18_client
  check_embedded_servers
  summary
  source "$REPO_ROOT/scripts/provision-providers.sh" # the providers tier's extensions
  if [[ "$regression" == with ]]; then
    source "$REPO_ROOT/scripts/provision-regression.sh" # the fidelity tier's regression database
  fi
  step "done in $((SECONDS - t0)) s"
}

main "$@"
