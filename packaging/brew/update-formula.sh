#!/usr/bin/env bash
# Points the Homebrew formula at a release source tarball.
# Usage: packaging/brew/update-formula.sh URL [TARBALL]
#   Without TARBALL, makes build/packages/plugctl-<version>.tar.gz from `git archive` of tag
#   v<version> (HEAD when the tag does not exist), <version> being the project() version. Then
#   writes URL and the tarball's SHA-256 into packaging/brew/plugctl.rb. Upload the tarball to URL.
set -euo pipefail
cd "$(dirname "$0")/../.."
url="${1:?usage: $0 URL [TARBALL]}"
tarball="${2:-}"
version="$(sed -n 's/^project(plugctl VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)"
if [ -z "$tarball" ]; then
  mkdir -p build/packages
  tarball="build/packages/plugctl-${version}.tar.gz"
  ref="v${version}"
  git rev-parse -q --verify "refs/tags/${ref}" >/dev/null || ref=HEAD
  git archive --format=tar.gz --prefix="plugctl-${version}/" -o "$tarball" "$ref"
  echo "update-formula: made $tarball from $ref"
fi
sha="$(sha256sum "$tarball" | cut -d' ' -f1)"
sed -i -e "s|^  url \".*\"|  url \"${url}\"|" -e "s|^  sha256 \".*\"|  sha256 \"${sha}\"|" \
  packaging/brew/plugctl.rb
echo "update-formula: url ${url}"
echo "update-formula: sha256 ${sha}"
