#!/usr/bin/env bash
# The whole test suite: provisioning, static checks, dist check, and every jest tier
# (unit, contract, integration on real PostgreSQL 13/15/17/18, e2e of dist/index.js, faults).
# Ends with one plain line: "N passed, N failed".
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

bash scripts/provision.sh || { echo "provisioning failed"; echo "0 passed, 1 failed"; exit 1; }

mkdir -p .tmp
check format npx prettier --check .
check lint npx eslint .
check typecheck npx tsc -p .
check workflows npm run --silent lint:workflows
check docs node scripts/docs.mjs --check
check pinned-uses node scripts/pin-uses.mjs --check
check cli-inputs node scripts/cli-inputs.mjs --check
check import-circles bash -c 'out=$(npx madge --circular --extensions ts src 2>&1); echo "$out" | tail -3; echo "$out" | grep -q "No circular dependency found"'
check check-dist bash -c 'npm run build >/dev/null && git diff --exit-code --stat -- dist/ && test -z "$(git status --porcelain -- dist/)"'
# The README's first command, as a newcomer runs it.
check demo bash -c 'npm run --silent demo > .tmp/demo.log 2>&1 || { tail -40 .tmp/demo.log; exit 1; }; tail -3 .tmp/demo.log'

mkdir -p .tmp
NODE_OPTIONS=--experimental-vm-modules npx jest --json --outputFile=.tmp/jest.json "$@"
jest_status=$?
read -r jp jf < <(node -e '
  const r = JSON.parse(require("fs").readFileSync(".tmp/jest.json", "utf8"));
  const suitesFailed = r.testResults.filter((t) => t.status === "failed" && t.assertionResults.length === 0).length;
  console.log(r.numPassedTests, r.numFailedTests + suitesFailed);
' 2>/dev/null || echo "0 1")
passed=$((passed + jp))
failed=$((failed + jf))
if [ "$jest_status" -ne 0 ] && [ "$jf" -eq 0 ]; then failed=$((failed + 1)); fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
