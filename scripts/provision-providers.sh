#!/usr/bin/env bash
# The providers tier's extensions: what a Supabase / RDS / Neon database has that a bare
# PostgreSQL 15 has not (PostGIS, pg_cron, pg_partman, pgaudit), from Debian bookworm's archive.
# __tests__/helpers/provider-db.ts builds its provider-like database with them at test time.
#
# Sourced by scripts/provision.sh (it reuses its helpers: step, die, apt_install,
# disable_main_cluster_creation). Run directly, it runs the whole (idempotent) provisioning.
# The npm side (@supabase/stripe-sync-engine, a real third-party schema) is a devDependency.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  exec bash "$(dirname "${BASH_SOURCE[0]}")/provision.sh" "$@"
fi

PROVIDER_PACKAGES=(postgresql-15-postgis-3 postgresql-15-cron postgresql-15-partman postgresql-15-pgaudit)
PROVIDER_EXTENSIONS=(postgis pg_cron pg_partman pgaudit)

provider_extensions_ok() {
  local ext
  for ext in "${PROVIDER_EXTENSIONS[@]}"; do
    [[ -f "/usr/share/postgresql/15/extension/$ext.control" ]] || return 1
  done
}

# The server packages' postinst must not create (and start) a Debian cluster: the tests start
# their own. provision.sh already wrote the createcluster.d drop-in; checked again here.
ensure_provider_extensions() {
  local t0=$SECONDS
  if provider_extensions_ok; then
    step "providers: extensions installed (${PROVIDER_EXTENSIONS[*]})"
    return 0
  fi
  disable_main_cluster_creation
  apt_install "${PROVIDER_PACKAGES[@]}"
  provider_extensions_ok || die "providers: ${PROVIDER_EXTENSIONS[*]} not all found after apt-get install"
  if pg_lsclusters -h 2>/dev/null | grep -q online; then
    die "providers: a Debian-managed cluster is running after the install (see pg_lsclusters)"
  fi
  step "providers: installed ${PROVIDER_PACKAGES[*]} in $((SECONDS - t0)) s"
}

ensure_provider_extensions
