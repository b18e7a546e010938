#!/bin/sh
# Validate an edition's HTML pages: the Nu HTML Checker (npm vnu-jar, runs on Java) and
# axe-core (npm axe-core, run in jsdom by scripts/axe_check.js; no browser needed).
#   scripts/check_html.sh reports/2017-04-01          # every *.html in the edition
# The tools are installed once into $STPREPORT_CHECK_TOOLS (default: a folder under /tmp).
set -eu
edition=${1:?usage: scripts/check_html.sh EDITION_FOLDER}
here=$(cd "$(dirname "$0")" && pwd)
tools=${STPREPORT_CHECK_TOOLS:-${TMPDIR:-/tmp}/stpreport-check-tools}
if [ ! -f "$tools/node_modules/vnu-jar/build/dist/vnu.jar" ]; then
  npm install --prefix "$tools" --no-audit --no-fund vnu-jar@26.9.27 axe-core@4.14.1 jsdom@29.1.1
fi
status=0
echo "Nu HTML Checker (errors only):"
java -jar "$tools/node_modules/vnu-jar/build/dist/vnu.jar" --errors-only "$edition"/*.html \
  && echo "vnu: no errors" || status=1
NODE_PATH="$tools/node_modules" node "$here/axe_check.js" "$edition"/*.html || status=1
exit $status
