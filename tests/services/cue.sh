#!/usr/bin/env bash
# Installs the `cue` command (test tool: the docs tests vet configs against `plugctl schema
# --format cue`) from the Go module proxy into ~/.cache/plugctl/bin, once.
# Usage: tests/services/cue.sh start|stop   (stop does nothing; the binary stays cached)
set -euo pipefail
VERSION=v0.17.1
export PATH="$PATH:/usr/local/go/bin"
BIN_DIR="${PLUGCTL_CACHE:-$HOME/.cache/plugctl}/bin"
case "${1:-}" in
  start)
    if [ -x "$BIN_DIR/cue-$VERSION" ]; then
      echo "cue: $BIN_DIR/cue-$VERSION (cached)"
      exit 0
    fi
    command -v go >/dev/null || { echo "cue: go is needed to build cue (apt-get install golang)" >&2; exit 1; }
    mkdir -p "$BIN_DIR"
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    echo "cue: building cuelang.org/go/cmd/cue@$VERSION (once)"
    GOBIN="$tmp" GOFLAGS=-mod=mod go install "cuelang.org/go/cmd/cue@$VERSION"
    mv "$tmp/cue" "$BIN_DIR/cue-$VERSION"
    ln -sf "cue-$VERSION" "$BIN_DIR/cue"
    ;;
  stop) ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
