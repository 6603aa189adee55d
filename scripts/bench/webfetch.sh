#!/usr/bin/env bash
# scripts/bench/webfetch.sh — WebFetch of a 1 MB page (issue 8).
#
# tests/httpd.py serves a generated 1 MB HTML page (headings, paragraphs,
# links, lists, a table: what documentation looks like) over HTTPS on
# 127.0.0.1 with a throwaway CA; tests/helpers/bench-webfetch, with the
# test-only switches that let the fetch reach loopback and trust that CA
# (docs/sandbox.md), times WebFetch calls request to result in one tool
# session (the page returned as Markdown: no model), then runs the fetch
# child's code in a forked process to read its peak RSS (wait4), next to a
# forked child that does nothing.
# Environment: ROOT, B, HELPERS, BENCH_OUT; BENCH_FETCHES (9).
set -u
: "${ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${B:=$ROOT/build}"
: "${HELPERS:=$B/tests/helpers}"
: "${BENCH_OUT:=$B/bench}"
mkdir -p "$BENCH_OUT"
n=${BENCH_FETCHES:-9}

[ -x "$HELPERS/bench-webfetch" ] || { echo "SKIP: needs $HELPERS/bench-webfetch (make test-bins)"; exit 0; }
command -v openssl >/dev/null || { echo "SKIP: needs openssl (tests/httpd.py makes its CA with it)"; exit 0; }
tmp=$(mktemp -d /tmp/cordon-bench-fetch.XXXXXX)
server=
stop() {
	[ -n "$server" ] && { exec 9>&-; wait "$server" 2>/dev/null; }
	rm -rf "$tmp"
}
trap stop EXIT
python3 - "$tmp/routes.json" <<'PY'
import json, sys
parts = ["<!doctype html><html><head><title>Reference manual</title></head><body><h1>Reference manual</h1>"]
i = 0
while sum(map(len, parts)) < (1 << 20):
    parts.append("<h2 id=\"s%d\">Section %d</h2><p>Paragraph %d explains <b>option %d</b> of the "
                 "<a href=\"/doc/%d\">command</a>, with <code>--flag=%d</code> and the notes that follow it "
                 "in a manual of this size.</p><ul><li>first item %d</li><li>second item %d</li></ul>"
                 "<table><tr><th>name</th><th>value</th></tr><tr><td>k%d</td><td>%d</td></tr></table>"
                 % (i, i, i, i, i, i, i, i, i, i))
    i += 1
parts.append("</body></html>")
body = "".join(parts)
json.dump({"/manual": {"status": 200, "content_type": "text/html; charset=utf-8", "body": body}},
          open(sys.argv[1], "w"))
print("# page: %d bytes of HTML, %d sections" % (len(body), i))
PY
mkfifo "$tmp/in"
python3 "$ROOT/tests/httpd.py" --dir "$tmp/httpd" --routes "$tmp/routes.json" --lifetime 600 <"$tmp/in" >"$tmp/ports" 2>"$tmp/httpd.err" &
server=$!
exec 9>"$tmp/in"
for _ in $(seq 1 300); do [ -s "$tmp/ports" ] && break; sleep 0.05; done
read -r ports <"$tmp/ports" || true
case $ports in *HTTPS_PORT=*) ;; *) echo "SKIP: the test HTTP server did not start: $(cat "$tmp/httpd.err")"; exit 0 ;; esac
eval "$ports"
ws=$tmp/ws
mkdir -p "$ws"
echo "# $(uname -sr), $(nproc) CPUs, $(id -un), load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%FT%TZ)"
echo "## WebFetch of a 1 MB page over HTTPS on loopback (bench-webfetch -n $n)"
HOME=$tmp CORDON_TEST_ALLOW_LOOPBACK_FETCH=1 CORDON_TEST_FETCH_CA_FILE=$CA \
	"$HELPERS/bench-webfetch" -u "https://127.0.0.1:$HTTPS_PORT/manual" -n "$n" -w "$ws" | tee "$BENCH_OUT/webfetch.txt"
[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "bench-webfetch failed" >&2; exit 1; }
