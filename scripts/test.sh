#!/usr/bin/env bash
# The whole test suite: provisioning, static checks, dist check, and every jest tier (unit,
# contract, integration on real PostgreSQL 13/15/17/18, e2e of dist/index.js, faults, providers,
# fidelity). Ends with one plain line: "N passed, N failed".
#
# The fidelity tier's PostgreSQL 18 server and regression database take minutes to build on a fresh
# machine (cached afterwards): that build runs in the background, at a lower priority, while the
# static checks and the other tiers run; the fidelity tier runs once it is done.
set -uo pipefail
cd "$(dirname "$0")/.."
passed=0
failed=0
check() {
  local name=$1
  shift
  echo "::group::$name"
  if "$@"; then passed=$((passed + 1)); echo "::endgroup::"; echo "check $name: passed"
  else failed=$((failed + 1)); echo "::endgroup::"; echo "check $name: FAILED"; fi
}

# Runs the jest projects named in $1 (comma-separated) with the remaining arguments, and adds its
# passed and failed tests (a suite that failed to run counts as one failure) to the totals.
tier() {
  local projects=$1 json=.tmp/jest-${1//,/-}.json
  shift
  rm -f "$json"
  # shellcheck disable=SC2046 # one word per project
  NODE_OPTIONS=--experimental-vm-modules npx jest --selectProjects $(tr , ' ' <<<"$projects") \
    --passWithNoTests --json --outputFile="$json" "$@"
  local status=$? jp jf
  read -r jp jf < <(node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const suitesFailed = r.testResults.filter((t) => t.status === "failed" && t.assertionResults.length === 0).length;
    console.log(r.numPassedTests, r.numFailedTests + suitesFailed);
  ' "$json" 2>/dev/null || echo "0 1")
  passed=$((passed + jp))
  failed=$((failed + jf))
  if [ "$status" -ne 0 ] && [ "$jf" -eq 0 ]; then failed=$((failed + 1)); fi
}

started=$SECONDS
bash scripts/provision.sh --without-regression \
  || { echo "provisioning failed"; echo "0 passed, 1 failed"; exit 1; }
mkdir -p .tmp
nice -n 10 bash scripts/provision.sh --only-regression >.tmp/provision-regression.log 2>&1 &
regression=$!
echo "building the fidelity tier's regression database in the background (.tmp/provision-regression.log)"

check format npx prettier --check .
check lint npx eslint .
check typecheck npm run --silent typecheck
check workflows npm run --silent lint:workflows
check docs node scripts/docs.mjs --check
check pinned-uses node scripts/pin-uses.mjs --check
check cli-inputs node scripts/cli-inputs.mjs --check
check import-circles bash -c 'out=$(npx madge --circular --extensions ts src 2>&1); echo "$out" | tail -3; echo "$out" | grep -q "No circular dependency found"'
check check-dist bash -c 'npm run build >/dev/null && git diff --exit-code --stat -- dist/ && test -z "$(git status --porcelain -- dist/)"'
# The README's first command, as a newcomer runs it.
check demo bash -c 'npm run --silent demo > .tmp/demo.log 2>&1 || { tail -40 .tmp/demo.log; exit 1; }; tail -3 .tmp/demo.log'

tier unit,contract,integration,e2e,faults,providers "$@"
echo "tiers without the regression database done at $((SECONDS - started)) s; waiting for its build"
wait "$regression"
regression_status=$?
check provision-regression bash -c "tail -4 .tmp/provision-regression.log; exit $regression_status"
tier fidelity "$@"
echo "all done at $((SECONDS - started)) s"
# One report of every tier, as a single jest run would write it.
node -e '
  const fs = require("fs");
  const runs = process.argv.slice(1).filter(fs.existsSync).map((f) => JSON.parse(fs.readFileSync(f, "utf8")));
  const sum = (k) => runs.reduce((n, r) => n + r[k], 0);
  const keys = Object.keys(runs[0] ?? {}).filter((k) => /^num/.test(k));
  const merged = { ...runs[0], ...Object.fromEntries(keys.map((k) => [k, sum(k)])) };
  merged.success = runs.every((r) => r.success);
  merged.testResults = runs.flatMap((r) => r.testResults);
  fs.writeFileSync(".tmp/jest.json", JSON.stringify(merged));
' .tmp/jest-unit-contract-integration-e2e-faults-providers.json .tmp/jest-fidelity.json 2>/dev/null || true

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
