#!/usr/bin/env bash
# Installs the Temporal CLI (which embeds the dev server and Web UI) into .tools/
# when it is missing. v1.5.1 is the newest tag without replace directives, so it is
# the newest that `go install pkg@version` can build. Needs Go >= 1.25.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/.tools/temporal"
version="v1.5.1"
if [ -x "$bin" ]; then
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "The Temporal dev server needs Go >= 1.25 to build it (or set TEMPORAL_ADDRESS to an existing server)." >&2
  exit 1
fi
echo "Installing the Temporal CLI $version into .tools/ (first run only; takes a few minutes)..." >&2
mkdir -p "$root/.tools"
CGO_ENABLED=0 GOBIN="$root/.tools" go install "github.com/temporalio/cli/cmd/temporal@$version" >&2
echo "Installed $("$bin" --version)" >&2
