#!/usr/bin/env bash
# Bash's network egress through the real binary and sandbox (`cordon tool
# --stdin`; docs/sandbox.md, "Network egress for Bash") against
# tests/httpd.py's loopback servers on the host: the proxy variables, an
# allowed domain reached over http:// and https:// (CONNECT), a domain or a
# port not listed refused with 403 and the reason, a direct connection with
# no route, a name that resolves to loopback refused without the test
# switch (DNS rebinding), numeric and mapped loopback forms refused, 502 for
# a server that is not there, no allowedDomains = no variables and no
# route, degraded mode = no route and a warning. Every refusal is shown to
# work the other way too: outside the sandbox, or with the name allowed.
. "$ROOT/tests/lib.sh"

base=$(mktemp -d /tmp/cordon-egress-XXXXXX)
srv_in=$base/srv.in
mkfifo "$srv_in"
python3 "$ROOT/tests/httpd.py" --dir "$base/httpd" --lifetime 600 <"$srv_in" >"$base/ports" 2>"$base/httpd.err" &
srv=$!
exec 9>"$srv_in" # the server stops when this closes
trap 'exec 9>&-; wait $srv 2>/dev/null; rm -rf "$base"' EXIT
for _ in $(seq 100); do [ -s "$base/ports" ] && break; sleep 0.1; done
read -r ports <"$base/ports" || true
for kv in $ports; do export "${kv?}"; done
if [ -z "${HTTPS_PORT:-}" ] || ! command -v curl >/dev/null; then
	t_skip "egress tests" "the test server or curl is not available: $(cat "$base/httpd.err")"
	t_done
	exit
fi
ws=$base/ws
mkdir -p "$ws" "$base/home"
export HOME=$base/home XDG_STATE_HOME=$base/state
unset XDG_CACHE_HOME HTTP_PROXY HTTPS_PROXY http_proxy https_proxy ALL_PROXY all_proxy NO_PROXY no_proxy
# The CA, where commands can read it (the sandbox's /tmp is its own).
cp "$CA" "$ws/ca.pem"
# Canaries: cordon holds them, no command (and no request through the proxy) may see them.
CANARY=canary-$$-$RANDOM
export ANTHROPIC_API_KEY=sk-ant-$CANARY

# settings NAME ENTRY...: a settings file allowing those domains.
settings() {
	local f=$base/$1.json
	shift
	python3 -c 'import json,sys; print(json.dumps({"sandbox": {"network": {"allowedDomains": sys.argv[1:]}}}))' "$@" >"$f"
	echo "$f"
}
# calls [ENV=V...] -- ARGS... -- COMMAND...: one `cordon tool --stdin` session with one Bash call per
# COMMAND; sets OUT (one result line per call) and ERR.
calls() {
	local envs=() args=() lines=""
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	shift
	for c in "$@"; do
		lines+=$(python3 -c 'import json,sys; print(json.dumps({"name": "Bash", "input": {"command": sys.argv[1]}}))' "$c")$'\n'
	done
	OUT=$(printf '%s' "$lines" | (cd "$ws" && env "${envs[@]}" timeout 120 "$CORDON" tool --workspace "$ws" \
		--stdin "${args[@]}" 2>"$base/err"))
	ERR=$(cat "$base/err")
}
# field N KEY: a field of result line N (1-based) of $OUT.
field() {
	printf '%s\n' "$OUT" | sed -n "${1}p" | python3 -c 'import json,sys; v=json.load(sys.stdin)[sys.argv[1]]; print(v if isinstance(v, str) else json.dumps(v))' "$2"
}
SW=CORDON_TEST_ALLOW_LOOPBACK_FETCH=1
H=http://localhost:$HTTP_PORT
S=https://localhost:$HTTPS_PORT
# curl honours the proxy variables; NO_PROXY names localhost, so the tests say --noproxy '' to use
# the proxy for it (the test server is on the host's loopback, reached by the name localhost).
CURL="curl -sS --max-time 20 --noproxy ''"

# ---- allowed: http:// and https:// through the proxy --------------------------------------
both=$(settings both "localhost:$HTTP_PORT" "localhost:$HTTPS_PORT")
calls "$SW" -- --settings "$both" -- 'env | grep -i -e proxy -e NODE_USE | sort' \
	"$CURL $H/page" "$CURL --cacert ca.pem $S/page" \
	"$CURL $H/echo-headers -H 'Proxy-Authorization: Basic c2VjcmV0' -H 'Host: evil.example'"
p=$(printf '%s\n' "$(field 1 content)" | sed -n 's|^HTTP_PROXY=http://127.0.0.1:\([0-9]*\)$|\1|p')
t_check "HTTP_PROXY names the sandbox's loopback" test -n "$p"
t_eq "every proxy variable, NO_PROXY for the loopback, NODE_USE_ENV_PROXY" "$(field 1 content)" \
	"$(printf '%s\n' "ALL_PROXY=http://127.0.0.1:$p" "HTTPS_PROXY=http://127.0.0.1:$p" \
		"HTTP_PROXY=http://127.0.0.1:$p" NODE_USE_ENV_PROXY=1 NO_PROXY=localhost,127.0.0.1,::1 \
		"all_proxy=http://127.0.0.1:$p" "http_proxy=http://127.0.0.1:$p" "https_proxy=http://127.0.0.1:$p" \
		no_proxy=localhost,127.0.0.1,::1)"
t_contains "an allowed domain over http:// passes (test switch: it is on the host's loopback)" "$(field 2 content)" "Harness Page"
t_contains "and over https:// (CONNECT, TLS end to end)" "$(field 3 content)" "Harness Page"
t_contains "the request goes on with the judged Host" "$(field 4 content)" "localhost:$HTTP_PORT"
t_check_fails "and without the proxy's headers or the one the command set" \
	grep -qi -e 'proxy-authorization' -e 'evil.example' <<<"$(field 4 content)"
t_check_fails "no secret of cordon's reaches the request" grep -q "$CANARY" <<<"$OUT"

# ---- refused by name or port: 403 with the reason, and allowed the other way -----------------
http_only=$(settings http_only "localhost:$HTTP_PORT")
calls "$SW" -- --settings "$http_only" -- "$CURL -i http://example.com/" "$CURL -i $H/page" \
	"$CURL -i http://localhost:$HTTPS_PORT/page" "$CURL -v --cacert ca.pem $S/page 2>&1 | grep -i -e '< HTTP' -e 'CONNECT tunnel'" \
	"$CURL -i http://localhost/"
t_contains "a domain not listed: 403" "$(field 1 content)" "HTTP/1.1 403 Forbidden"
t_contains "with the reason" "$(field 1 content)" "blocked by cordon: domain example.com is not in sandbox.network.allowedDomains"
t_contains "the listed one passes in the same session" "$(field 2 content)" "Harness Page"
t_contains "a port not listed: 403 with the reason" "$(field 3 content)" \
	"blocked by cordon: port $HTTPS_PORT of localhost is not in sandbox.network.allowedDomains"
t_contains "CONNECT refused with 403 (curl says so)" "$(field 4 content)" "403"
t_contains "an entry with a port allows that port only" "$(field 5 content)" "port 80 of localhost is not"
# The same port passes when listed: shown above (the https request of the first session).

# ---- no route around the proxy ---------------------------------------------------------------
calls "$SW" -- --settings "$both" -- "curl -sS --max-time 5 --noproxy '*' $H/page" \
	"python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", $HTTP_PORT), timeout=5); print(\"connected\")'" \
	"getent hosts example.com || echo no-resolver" "curl -sS --max-time 5 --noproxy '*' http://example.com/"
t_contains "a direct connection to the host's loopback server fails (curl --noproxy '*')" "$(field 1 content)" "Failed to connect"
t_contains "and from python's socket" "$(field 2 content)" "Connection refused"
t_contains "there is no resolver (DNS cannot carry data out)" "$(field 3 content)" "no-resolver"
t_contains "the direct request succeeds outside the sandbox" "$(curl -sS --max-time 10 --noproxy '*' "$H/page")" "Harness Page"
t_contains "a resolver failure's note says the network is the proxy's" "$(field 4 content)" \
	"blocked by cordon: commands reach the network only through cordon's HTTP proxy"

# ---- DNS rebinding and numeric forms (without the test switch) ---------------------------------
loop=$(settings loop "localhost:$HTTP_PORT" "127.0.0.1:$HTTP_PORT" "169.254.169.254" "10.0.0.1")
calls -- --settings "$loop" -- "$CURL -i $H/page" "$CURL -i http://2130706433:$HTTP_PORT/page" \
	"$CURL -i 'http://[::ffff:127.0.0.1]:$HTTP_PORT/page'" "$CURL -i http://0x7f.1:$HTTP_PORT/page" \
	"$CURL -i http://169.254.169.254/latest/meta-data/" "$CURL -i http://10.0.0.1/"
t_contains "an allowed name that resolves to 127.0.0.1 is refused (DNS rebinding)" "$(field 1 content)" \
	"blocked by cordon: 'localhost' resolves to 127.0.0.1, a loopback address"
t_contains "http://2130706433/ is 127.0.0.1, refused" "$(field 2 content)" "blocked by cordon: 127.0.0.1 is a loopback address"
t_contains "http://[::ffff:127.0.0.1]/ is 127.0.0.1, refused" "$(field 3 content)" "blocked by cordon: 127.0.0.1 is a loopback address"
t_contains "http://0x7f.1/ too" "$(field 4 content)" "blocked by cordon: 127.0.0.1 is a loopback address"
t_contains "the metadata service, even listed" "$(field 5 content)" "blocked by cordon: 169.254.169.254 is a metadata address"
t_contains "a private address, even listed" "$(field 6 content)" "blocked by cordon: 10.0.0.1 is a private address"
t_contains "http://2130706433/ reaches the server outside the sandbox" \
	"$(curl -sS --max-time 10 --noproxy '*' "http://2130706433:$HTTP_PORT/page")" "Harness Page"
t_contains "so does http://[::ffff:127.0.0.1]/" \
	"$(curl -sS --max-time 10 --noproxy '*' "http://[::ffff:127.0.0.1]:$HTTP_PORT/page" 2>&1)" "Harness Page"
# With the test switch the same name passes: shown above (the allowed section).

# ---- upstream failures ---------------------------------------------------------------------
dead=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
gone=$(settings gone "localhost:$dead")
calls "$SW" -- --settings "$gone" -- "$CURL -i http://localhost:$dead/" \
	"python3 -c 'import os,socket; s=socket.create_connection((\"127.0.0.1\", int(os.environ[\"HTTP_PROXY\"].rsplit(\":\",1)[1]))); s.sendall(b\"GET http://localhost/ HTTP/1.1\\r\\nX: \" + b\"a\" * 70000); print(s.recv(200).decode().splitlines()[0])'" \
	"python3 -c 'import os,socket; s=socket.create_connection((\"127.0.0.1\", int(os.environ[\"HTTP_PROXY\"].rsplit(\":\",1)[1]))); s.sendall(b\"GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n\"); print(s.recv(200).decode().splitlines()[0])'"
t_contains "an allowed server that is not there: 502" "$(field 1 content)" "HTTP/1.1 502 Bad Gateway"
t_contains "saying why" "$(field 1 content)" "cannot connect to 'localhost'"
t_contains "a request head over 64 KiB: 431" "$(field 2 content)" "HTTP/1.1 431"
t_contains "not a proxy request: 400" "$(field 3 content)" "HTTP/1.1 400 Bad Request"

# ---- no allowedDomains: no variables, no route --------------------------------------------
calls "$SW" -- -- 'env | grep -ci proxy' "$CURL $H/page"
t_eq "without allowedDomains commands get no proxy variable" "$(field 1 content)" "0"
t_contains "and no route" "$(field 2 content)" "Failed to connect"
none=$(settings none)
calls "$SW" -- --settings "$none" -- 'env | grep -ci proxy'
t_eq "an empty allowedDomains is no network either" "$(field 1 content)" "0"
wf=$base/webfetch.json
printf '{"permissions":{"allow":["WebFetch(domain:localhost)"]}}\n' >"$wf"
calls "$SW" -- --settings "$wf" -- 'env | grep -ci proxy'
t_eq "WebFetch(domain:...) rules give Bash nothing" "$(field 1 content)" "0"

# ---- degraded mode: no network namespace, no route (fail closed) -----------------------------
calls "$SW" -- --settings "$both" --no-namespaces -- 'env | grep -ci proxy' "$CURL $H/page"
t_contains "degraded mode says egress has no route" "$ERR" \
	"sandbox.network.allowedDomains is set, but this sandbox has no network namespace"
t_eq "and gives commands no proxy variable" "$(field 1 content)" "0"
t_check_fails "and no way out" grep -q "Harness Page" <<<"$(field 2 content)"

t_done
