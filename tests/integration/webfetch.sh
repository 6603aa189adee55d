#!/usr/bin/env bash
# WebFetch through the real binary and sandbox (`cordon tool WebFetch`)
# against tests/httpd.py's loopback HTTPS server: pages, redirects, the
# cache, and hostile pages (huge, gzip bomb, endless redirects, slowloris,
# a stalled body, invalid UTF-8, deep nesting, a tag with 100000
# attributes), each ending with a clear result within its time. Then the
# address checks without the test switch: loopback in its numeric
# disguises, metadata and private addresses, all refused before any
# connection. Every call runs under `timeout`.
. "$ROOT/tests/lib.sh"

base=$(mktemp -d /tmp/cordon-webfetch-XXXXXX)
srv_in=$base/srv.in
mkfifo "$srv_in"
python3 "$ROOT/tests/httpd.py" --dir "$base/httpd" --lifetime 600 <"$srv_in" >"$base/ports" 2>"$base/httpd.err" &
srv=$!
exec 9>"$srv_in" # the server stops when this closes
trap 'exec 9>&-; wait $srv 2>/dev/null; rm -rf "$base"' EXIT
for _ in $(seq 100); do [ -s "$base/ports" ] && break; sleep 0.1; done
read -r ports <"$base/ports" || true
for kv in $ports; do export "${kv?}"; done
if [ -z "${HTTPS_PORT:-}" ]; then
	t_fail "the test HTTPS server starts" "$(cat "$base/httpd.err")"
	t_done
	exit
fi
ws=$base/ws
mkdir -p "$ws"
U=https://127.0.0.1:$HTTPS_PORT

# fetch URL [TIMEOUT_MS]: one call with the test switches; sets OUT, RC, SECS.
fetch() {
	local t0=$SECONDS
	OUT=$(CORDON_TEST_ALLOW_LOOPBACK_FETCH=1 CORDON_TEST_FETCH_CA_FILE=$CA timeout 100 \
		"$CORDON" tool --workspace "$ws" --output-dir "$base/out" --timeout "${2:-60000}" \
		WebFetch "{\"url\": \"$1\", \"prompt\": \"What does it say?\"}" 2>&1)
	RC=$?
	SECS=$((SECONDS - t0))
}

# bare URL: the same without the switches.
bare() {
	OUT=$(timeout 30 "$CORDON" tool --workspace "$ws" WebFetch "{\"url\": \"$1\", \"prompt\": \"x\"}" 2>&1)
	RC=$?
}

# --- pages ------------------------------------------------------------------------
fetch "$U/page"
t_eq "an HTML page is fetched" "$RC" 0
t_contains "it comes back as Markdown" "$OUT" "# Harness Page"
t_contains "bold text is marked" "$OUT" "The answer is **42**."
t_contains "links are made absolute" "$OUT" "[other link]($U/other)"

fetch "http://127.0.0.1:$HTTPS_PORT/page"
t_eq "an http:// URL is upgraded to https" "$RC" 0
t_contains "the upgraded fetch has the page" "$OUT" "Harness Page"

fetch "http://127.0.0.1:$HTTP_PORT/page"
t_eq "a plain-HTTP server is not spoken to in clear" "$RC" 1
t_contains "the TLS failure is named" "$OUT" "verified TLS connection"

fetch "$U/echo-headers"
t_contains "the reference's Accept header is sent" "$OUT" "Accept: text/markdown, text/html, */*"
t_contains "compressed bodies are accepted" "$OUT" "gzip"

fetch "$U/missing"
t_eq "a 404 is a result, not an error" "$RC" 0
t_contains "a 404 is worded as the reference does" "$OUT" "The server returned HTTP 404 Not Found."

fetch "$U/binary"
t_contains "a binary body is saved, not shown" "$OUT" "[Binary content (image/png, 67 bytes) also saved to $base/out/"
f=$(ls "$base"/out/*.png 2>/dev/null | head -1)
if [ -n "$f" ] && cmp -s <(head -c 8 "$f") <(printf '\211PNG\r\n\032\n'); then
	t_pass "the saved file holds the body"
else
	t_fail "the saved file holds the body" "$f"
fi

fetch "$U/latin1"
t_contains "ISO-8859-1 is converted to UTF-8" "$OUT" "café € naïve"

# --- redirects --------------------------------------------------------------------
fetch "$U/redirect-same"
t_contains "a same-host redirect is followed" "$OUT" "Harness Page"

fetch "$U/loop/0" 30000
t_eq "endless redirects end in an error" "$RC" 1
t_contains "endless redirects say so" "$OUT" "too many redirects (more than 10)"

# --- the cache ----------------------------------------------------------------------
printf '%s\n' "{\"name\":\"WebFetch\",\"input\":{\"url\":\"$U/echo-headers\",\"prompt\":\"a\"}}" \
	"{\"name\":\"WebFetch\",\"input\":{\"url\":\"$U/echo-headers\",\"prompt\":\"b\"}}" >"$base/calls"
CORDON_TEST_ALLOW_LOOPBACK_FETCH=1 CORDON_TEST_FETCH_CA_FILE=$CA timeout 60 \
	"$CORDON" tool --workspace "$ws" --stdin <"$base/calls" >"$base/two" 2>&1
if [ "$(wc -l <"$base/two")" -eq 2 ] && [ "$(sed -n 1p "$base/two")" = "$(sed -n 2p "$base/two")" ]; then
	t_pass "a second fetch of a URL in one session is the cached page"
else
	t_fail "a second fetch of a URL in one session is the cached page" "$(cat "$base/two")"
fi

# --- hostile pages -------------------------------------------------------------------
fetch "$U/huge"
t_eq "a 12 MB page is refused" "$RC" 1
t_contains "the size limit is named" "$OUT" "larger than 10 MB"

fetch "$U/huge-chunked"
t_eq "a 12 MB page without a length is cut off" "$RC" 1
t_contains "the chunked size limit is named" "$OUT" "larger than 10 MB"

fetch "$U/gzip-bomb"
t_eq "a gzip bomb is stopped" "$RC" 1
t_contains "the bomb stops at the decompressed limit" "$OUT" "after decompression"

fetch "$U/slow" 5000
t_eq "a slowloris body is abandoned" "$RC" 1
t_contains "the slow server is named" "$OUT" "did not send the whole page within"
[ "$SECS" -le 15 ] && t_pass "slowloris ends within the call's time ($SECS s)" || t_fail "slowloris ends within the call's time" "$SECS s"

fetch "$U/stall" 4000
t_eq "a stalled body is abandoned" "$RC" 1
[ "$SECS" -le 15 ] && t_pass "the stall ends within the call's time ($SECS s)" || t_fail "the stall ends within the call's time" "$SECS s"

fetch "$U/badutf8"
t_eq "invalid UTF-8 is a page" "$RC" 0
t_contains "invalid bytes become U+FFFD" "$OUT" "bad �� and �("
t_contains "valid text stays" "$OUT" "valid é then"

fetch "$U/deep"
t_eq "100000 nested elements convert" "$RC" 0
t_contains "the top of the deep page is kept" "$OUT" "top"
t_contains "the deep page says what was left out" "$OUT" "nest more than"

fetch "$U/attrs"
t_eq "a tag with 100000 attributes converts" "$RC" 0
t_contains "the attribute flood is named" "$OUT" "attributes"
[ "$SECS" -le 15 ] && t_pass "the attribute flood is quick ($SECS s)" || t_fail "the attribute flood is quick" "$SECS s"

# --- addresses, without the test switch ----------------------------------------------------
for u in "$U/page" "http://2130706433/" "http://[::ffff:127.0.0.1]/" "http://0x7f.1/" "http://0177.0.0.1/" \
	"http://127.1/" "http://[::1]:$HTTPS_PORT/" "http://169.254.169.254/latest/meta-data/" \
	"http://[fd00:ec2::254]/" "http://100.100.100.200/" "http://10.0.0.1/" "http://192.168.1.1/" \
	"http://[::ffff:a9fe:a9fe]/" "http://0.0.0.0:$HTTPS_PORT/"; do
	bare "$u"
	if [ "$RC" -eq 1 ] && case $OUT in *"public internet addresses only"*) true ;; *) false ;; esac; then
		t_pass "refused without the test switch: $u"
	else
		t_fail "refused without the test switch: $u" "$OUT"
	fi
done
bare "http://localhost/"
t_contains "a dotless host name is refused as the reference does" "$OUT" "has no dot"

# The switch opens loopback only, and only when it is exactly 1.
OUT=$(CORDON_TEST_ALLOW_LOOPBACK_FETCH=true CORDON_TEST_FETCH_CA_FILE=$CA timeout 30 "$CORDON" tool \
	--workspace "$ws" WebFetch "{\"url\": \"$U/page\", \"prompt\": \"x\"}" 2>&1)
t_contains "a switch value other than 1 is off" "$OUT" "loopback"
OUT=$(CORDON_TEST_ALLOW_LOOPBACK_FETCH=1 timeout 30 "$CORDON" tool --workspace "$ws" \
	WebFetch '{"url": "http://169.254.169.254/", "prompt": "x"}' 2>&1)
t_contains "the switch does not open metadata addresses" "$OUT" "metadata"

t_done
