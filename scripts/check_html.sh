#!/bin/sh
# Validate an edition's HTML pages: the Nu HTML Checker (npm vnu-jar, runs on Java), axe-core
# in jsdom (scripts/axe_check.js; no browser needed) and, where Chromium is installed
# (Debian: apt-get install chromium), the phone check at 390 px: axe-core with colour contrast,
# no sideways scrolling, chart text at least 11 px (scripts/phone_check.js).
#   scripts/check_html.sh reports/2017-04-01          # every *.html in the edition
# The tools are installed once into $STPREPORT_CHECK_TOOLS (default: a folder under /tmp).
set -eu
edition=${1:?usage: scripts/check_html.sh EDITION_FOLDER}
here=$(cd "$(dirname "$0")" && pwd)
tools=${STPREPORT_CHECK_TOOLS:-${TMPDIR:-/tmp}/stpreport-check-tools}
if [ ! -f "$tools/node_modules/puppeteer-core/package.json" ]; then
  npm install --prefix "$tools" --no-audit --no-fund vnu-jar@26.9.27 axe-core@4.14.1 \
    jsdom@29.1.1 puppeteer-core@24.43.1
fi
status=0
echo "Nu HTML Checker (errors only):"
java -jar "$tools/node_modules/vnu-jar/build/dist/vnu.jar" --errors-only "$edition"/*.html \
  && echo "vnu: no errors" || status=1
NODE_PATH="$tools/node_modules" node "$here/axe_check.js" "$edition"/*.html || status=1
chromium=${CHROMIUM:-$(command -v chromium || true)}
if [ -n "$chromium" ]; then
  echo "Phone (390 px, headless Chromium):"
  CHROMIUM=$chromium NODE_PATH="$tools/node_modules" node "$here/phone_check.js" \
    "$edition"/*.html || status=1
else
  echo "Chromium not found: phone check skipped (apt-get install chromium)"
fi
exit $status
