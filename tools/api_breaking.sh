#!/usr/bin/env bash
# tools/api_breaking.sh — the breaking-change check of the public API: `buf breaking` of the
# protos in the working tree (proto/) against those of an earlier commit, with the rules of
# buf.yaml's `breaking` section (FILE: a field removed, renumbered or retyped, an enum value
# removed, a field, method or service renamed or removed ... all fail). It compares against
#   1. the previous commit (HEAD~1), or REF when one is given, and
#   2. the newest tag matching api-v* (an API release), when there is one.
# The rules a change of the API must follow are in docs/api/README.md.
#
#   tools/api_breaking.sh          against HEAD~1 and the newest api-v* tag
#   tools/api_breaking.sh REF      against REF (a commit, branch or tag) and the newest api-v* tag
#
# Prints buf's findings (file:line:column: what broke) and one line per comparison: "ok",
# "BREAKING" or "skipped" with the reason. In a shallow clone (CI) a missing HEAD~1 is fetched
# first (git fetch --deepen=1), and api-v* tags too; when the commit still cannot be had (no
# remote, a repository's first commit) the comparison is skipped, saying so, unless
# TINHGON_API_BREAKING_STRICT=1 (then it fails). A REF given on the command line must exist.
# Exits 1 when a comparison found a breaking change (or buf failed), 2 on bad usage, when buf is
# missing, or when a comparison that must be made cannot be.
# buf: $TINHGON_BUF, else tests/e2e/node_modules/.bin/buf (the @bufbuild/buf devDependency of
# tests/e2e: `npm ci` there installs it; tests/run does when node_modules is missing).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUF=${TINHGON_BUF:-$ROOT/tests/e2e/node_modules/.bin/buf}
STRICT=${TINHGON_API_BREAKING_STRICT:-0}

log() { printf '[api_breaking] %s\n' "$*" >&2; }
die() {
  log "$*"
  exit 2
}
usage() {
  echo "usage: tools/api_breaking.sh [REF]   e.g. tools/api_breaking.sh main" >&2
  exit 2
}

(($# <= 1)) || usage
[[ ${1:-} != -* ]] || usage
[[ -x $BUF ]] || die "buf is missing at $BUF: run 'npm ci' in tests/e2e, or set TINHGON_BUF"
cd "$ROOT"
git rev-parse --git-dir >/dev/null 2>&1 || die "$ROOT is not a git checkout"
[[ -f buf.yaml && -d proto ]] || die "buf.yaml or proto/ is missing in $ROOT"

# The commit a ref names, or nothing.
commit_of() { git rev-parse --verify --quiet "$1^{commit}" 2>/dev/null || true; }
shallow() { [[ $(git rev-parse --is-shallow-repository 2>/dev/null) == true ]]; }
has_remote() { git remote get-url origin >/dev/null 2>&1; }

# A comparison that cannot be made: skipped, or (strict, or a ref asked for by name) a failure.
cannot() {
  local must=$1
  shift
  if [[ $must == 1 || $STRICT == 1 ]]; then die "$* (cannot compare)"; fi
  log "skipped: $*"
}

failed=0
compare() {
  local label=$1 sha=$2 rc=0
  log "proto/ against $label (${sha:0:12})"
  "$BUF" breaking proto --against ".git#ref=$sha,subdir=proto" || rc=$?
  case $rc in
    0) log "$label: ok" ;;
    100)
      log "$label: BREAKING (the findings above; docs/api/README.md: what a v1 change may do)"
      failed=1
      ;;
    *)
      log "$label: buf failed (exit $rc)"
      failed=1
      ;;
  esac
}

# 1. The previous commit, or the ref given.
if (($# == 1)); then
  ref=$1
  sha=$(commit_of "$ref")
  if [[ -z $sha ]] && has_remote; then
    git fetch --quiet origin "$ref" 2>/dev/null && sha=$(commit_of FETCH_HEAD)
  fi
  [[ -n $sha ]] || die "no commit named '$ref' in this checkout"
  compare "$ref" "$sha"
else
  sha=$(commit_of HEAD~1)
  if [[ -z $sha ]] && shallow && has_remote; then
    log "shallow clone without HEAD~1: git fetch --deepen=1"
    git fetch --quiet --deepen=1 2>/dev/null || log "git fetch --deepen=1 failed"
    sha=$(commit_of HEAD~1)
  fi
  if [[ -n $sha ]]; then
    compare "the previous commit HEAD~1" "$sha"
  elif shallow; then
    cannot 0 "HEAD~1 is not in this shallow clone and could not be fetched"
  else
    cannot 0 "HEAD has no parent (the repository's first commit)"
  fi
fi

# 2. The newest API release tag.
if shallow && has_remote && [[ -z $(git tag -l 'api-v*') ]]; then
  git fetch --quiet --depth=1 origin '+refs/tags/api-v*:refs/tags/api-v*' 2>/dev/null || true
fi
tag=$(git tag -l 'api-v*' --sort=-v:refname | sed -n 1p)
if [[ -z $tag ]]; then
  log "no api-v* tag: no API release to compare with"
else
  tag_sha=$(commit_of "refs/tags/$tag")
  if [[ -n $tag_sha ]]; then
    compare "the API release $tag" "$tag_sha"
  else
    cannot 0 "tag $tag names no commit in this checkout"
  fi
fi

exit "$failed"
