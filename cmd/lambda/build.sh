#!/usr/bin/env bash
# Builds the Lambda zips: one per function under cmd/lambda/ and per
# architecture, each holding a single executable named bootstrap for the
# provided.al2023 runtime. Static (CGO_ENABLED=0), no RPC mode
# (lambda.norpc: provided.* runtimes use the Runtime API only).
#
#   cmd/lambda/build.sh [outdir] [arch ...]    default: cmd/lambda/dist (git-ignored), arm64 amd64
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-cmd/lambda/dist}
shift || true
archs=("$@")
[ ${#archs[@]} -gt 0 ] || archs=(arm64 amd64)
mkdir -p "$out"
out=$(cd "$out" && pwd)
for dir in cmd/lambda/*/; do
  fn=$(basename "$dir")
  [ -f "$dir/main.go" ] || continue
  for arch in "${archs[@]}"; do
    work=$(mktemp -d)
    CGO_ENABLED=0 GOOS=linux GOARCH="$arch" go build -trimpath -buildvcs=false -tags lambda.norpc \
      -ldflags "-s -w" -o "$work/bootstrap" "./$dir"
    # Fixed timestamp: the same source gives the same zip (Terraform names
    # the zip by its content hash).
    touch -d 2000-01-01T00:00:00Z "$work/bootstrap"
    rm -f "$out/$fn-$arch.zip"
    (cd "$work" && zip -q -X "$out/$fn-$arch.zip" bootstrap)
    rm -rf "$work"
    sum=$(sha256sum "$out/$fn-$arch.zip" | cut -c1-16)
    echo "$out/$fn-$arch.zip  $(du -h "$out/$fn-$arch.zip" | cut -f1)  sha256:$sum"
  done
done
