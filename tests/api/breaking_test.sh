#!/usr/bin/env bash
# tests/api/breaking_test.sh — checks the breaking-change check itself: that `buf breaking`,
# with the rules of buf.yaml, refuses each kind of change that breaks a client of the API and
# lets through the changes a v1 may make (docs/api/README.md). On a temporary copy of the proto
# tree (the checkout is never written to) it applies one change at a time and runs
#   buf breaking <copy>/proto --against <checkout>/proto
# Breaking: a field renumbered, removed, retyped or renamed; an enum value removed; a method or
# a service renamed. Allowed: a field added (optional), a method added, an enum value added, a
# field marked deprecated.
#
#   tests/api/breaking_test.sh
#
# Prints one line per case: what was changed, what was expected, what buf said (its first
# finding). Exits 1 when any case went otherwise (or an edit no longer applies because the
# proto it edits changed: update the case), 2 when buf is missing.
# buf: $TINHGON_BUF, else tests/e2e/node_modules/.bin/buf (`npm ci` in tests/e2e).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUF=${TINHGON_BUF:-$ROOT/tests/e2e/node_modules/.bin/buf}
[[ -x $BUF ]] || {
  echo "[breaking_test] buf is missing at $BUF: run 'npm ci' in tests/e2e, or set TINHGON_BUF" >&2
  exit 2
}

TMP=$(mktemp -d /tmp/api-breaking-test.XXXXXX)
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() { rm -rf "$TMP"; }
trap cleanup EXIT

ORG=tinhgon/orgregistry/v1/org_registry.proto
GW=tinhgon/gateway/v1/gateway.proto
TASKS=tinhgon/tasks/v1/tasks.proto

failures=0
cases=0

# A fresh copy of the checkout's buf.yaml and proto tree in $TMP/copy.
fresh_copy() {
  rm -rf "$TMP/copy"
  mkdir -p "$TMP/copy"
  cp "$ROOT/buf.yaml" "$TMP/copy/"
  cp -r "$ROOT/proto" "$TMP/copy/proto"
}

# edit FILE OLD NEW: replaces the line that is exactly OLD (it must occur once) with NEW (empty:
# deletes it; "\n" in NEW starts another line). Fails when OLD is not there exactly once.
edit() {
  local file=$TMP/copy/proto/$1 old=$2 new=$3
  [[ $(grep -cFx -- "$old" "$file") == 1 ]] || return 1
  awk -v old="$old" -v new="$new" '$0 == old { if (new != "") print new; next } { print }' \
    "$file" >"$file.new"
  mv "$file.new" "$file"
}

# check NAME EXPECT FILE OLD NEW: applies the edit to a fresh copy and runs buf breaking.
# EXPECT is "breaking" (buf must report a finding) or "allowed" (buf must pass).
check() {
  local name=$1 expect=$2 file=$3 old=$4 new=$5 rc=0 out got first
  cases=$((cases + 1))
  fresh_copy
  if ! edit "$file" "$old" "$new"; then
    printf 'FAIL  %-44s the edit no longer applies: "%s" is not one line of %s\n' \
      "$name" "$old" "$file"
    failures=$((failures + 1))
    return
  fi
  out=$(cd "$TMP/copy" && "$BUF" breaking proto --against "$ROOT/proto" 2>&1) || rc=$?
  first=$(printf '%s\n' "$out" | sed -n 1p | sed "s|^proto/||")
  case $rc in
    0) got=allowed ;;
    100) got=breaking ;;
    *) got="buf error (exit $rc)" ;;
  esac
  if [[ $got == "$expect" ]]; then
    printf 'ok    %-44s expected %-8s buf: %s\n' "$name" "$expect," "${first:-no finding}"
  else
    printf 'FAIL  %-44s expected %-8s got %s: %s\n' "$name" "$expect," "$got" "${first:-no finding}"
    failures=$((failures + 1))
  fi
}

# The unchanged tree passes (else every "breaking" below would prove nothing).
check "unchanged copy" allowed "$GW" "service TokenAdmin {" "service TokenAdmin {"

# What breaks a client: each must fail.
check "renumber a field (ChangeResult.units_ended)" breaking "$ORG" \
  "  int32 units_ended = 3;" "  int32 units_ended = 30;"
check "remove a field (Token.revoke_reason)" breaking "$GW" \
  "  string revoke_reason = 12;" ""
check "change a type (Task.percent_complete)" breaking "$TASKS" \
  "  int32 percent_complete = 20;" "  int64 percent_complete = 20;"
check "rename a method (GetOrgUnit)" breaking "$ORG" \
  "  rpc GetOrgUnit(GetOrgUnitRequest) returns (OrgUnit) {" \
  "  rpc FetchOrgUnit(GetOrgUnitRequest) returns (OrgUnit) {"
check "rename a service (TokenAdmin)" breaking "$GW" \
  "service TokenAdmin {" "service TokenAdministration {"
check "rename a field (ListTokensRequest.subject)" breaking "$GW" \
  "  string subject = 4;" "  string subject_name = 4;"
check "remove an enum value (ORG_KIND_VILLAGE)" breaking "$ORG" \
  "  ORG_KIND_VILLAGE = 9;" ""

# What a v1 may do: each must pass.
check "add an optional field (Token.note)" allowed "$GW" \
  "  google.protobuf.Timestamp revoke_time = 9;" \
  "  google.protobuf.Timestamp revoke_time = 9;\n  // A note.\n  optional string note = 13;"
COUNT_UNITS="  rpc CountUnits(CountUnitsRequest) returns (UnitCounts) {"
check "add a method (OrgRegistry.CountUnitsAgain)" allowed "$ORG" "$COUNT_UNITS" \
  "  rpc CountUnitsAgain(CountUnitsRequest) returns (UnitCounts);\n$COUNT_UNITS"
check "add an enum value (CHANGE_KIND_RENUMBER)" allowed "$ORG" \
  "  CHANGE_KIND_REORGANIZE = 11;" "  CHANGE_KIND_REORGANIZE = 11;\n  CHANGE_KIND_RENUMBER = 12;"
check "deprecate a field (OrgUnit.parent_name)" allowed "$ORG" \
  "  string parent_name = 8;" "  string parent_name = 8 [deprecated = true];"

if ((failures > 0)); then
  echo "[breaking_test] $failures of $cases cases went otherwise than expected" >&2
  exit 1
fi
echo "[breaking_test] all $cases cases as expected"
