#!/usr/bin/env bash
# Read deny rules hide files from Grep and Glob walks (`cordon tool`), not
# only from a Read of the path the model names. Every hiding check is paired
# with the same call without the policy, which does show the file: so what
# hides it is the filter, not the fixture.
. "$ROOT/tests/lib.sh"

base=$(mktemp -d /tmp/cordon-tooldeny-XXXXXX)
trap 'rm -rf "$base"' EXIT
ws=$base/ws
mkdir -p "$ws/secrets" "$ws/a/b" "$ws/a/c"
echo "secret key material" >"$ws/secrets/key.txt"
echo "SECRET_TOKEN=secret-env-value" >"$ws/a/b/.env"
echo "a secret deep down" >"$ws/a/b/deep.txt"
echo "the word secret, allowed" >"$ws/notes.txt"
echo "another secret, allowed" >"$ws/a/c/open.txt"
ln -s secrets "$ws/lnk"
export HOME=$base/home
mkdir -p "$HOME"

printf '{"permissions":{"deny":["Read(./secrets/**)","Read(*.env)","Read(//etc/**)"]}}' >"$base/s.json"

tool() { "$CORDON" tool --workspace "$ws" "$@" 2>&1; }

# shows NAME OUTPUT NEEDLE... / hides NAME OUTPUT NEEDLE...
shows() {
	local name=$1 out=$2 n
	shift 2
	for n in "$@"; do t_contains "$name shows $n" "$out" "$n"; done
}
hides() {
	local name=$1 out=$2 n
	shift 2
	for n in "$@"; do
		case $out in
		*"$n"*) t_fail "$name hides $n" "found: $n" "in: ${out:0:2000}" ;;
		*) t_pass "$name hides $n" ;;
		esac
	done
}

denied=("secrets/key.txt" "key material" "b/.env" "SECRET_TOKEN" "secret-env-value")

for mode in content files_with_matches count; do
	in="{\"pattern\":\"secret\",\"output_mode\":\"$mode\",\"-i\":true}"
	out=$(tool Grep "$in")
	case $mode in
	content) shows "Grep $mode without a policy" "$out" "secrets/key.txt" "key material" "a/b/.env" "SECRET_TOKEN" "notes.txt" ;;
	*) shows "Grep $mode without a policy" "$out" "secrets/key.txt" "a/b/.env" "notes.txt" ;;
	esac
	out=$(tool --settings "$base/s.json" Grep "$in"); rc=$?
	t_eq "Grep $mode with the deny rules exits 0" "$rc" 0
	hides "Grep $mode with the deny rules" "$out" "${denied[@]}"
	shows "Grep $mode with the deny rules" "$out" "notes.txt" "a/c/open.txt" "a/b/deep.txt"
done
out=$(tool --settings "$base/s.json" Grep '{"pattern":"secret","output_mode":"count","-i":true}')
t_contains "the count leaves the denied files out" "$out" "Found 3 total occurrences across 3 files."

# The model's own glob cannot bring a denied file back.
in='{"pattern":"secret","glob":"**/.env","-i":true}'
shows "Grep glob **/.env without a policy" "$(tool Grep "$in")" "a/b/.env"
out=$(tool --settings "$base/s.json" Grep "$in")
hides "Grep glob **/.env with the deny rules" "$out" "b/.env"
t_contains "and finds nothing" "$out" "No files found"

out=$(tool Glob '{"pattern":"**/*"}')
shows "Glob **/* without a policy" "$out" "secrets/key.txt" "a/b/.env" "notes.txt"
out=$(tool --settings "$base/s.json" Glob '{"pattern":"**/*"}'); rc=$?
t_eq "Glob with the deny rules exits 0" "$rc" 0
hides "Glob **/* with the deny rules" "$out" "secrets" "b/.env"
shows "Glob **/* with the deny rules" "$out" "notes.txt" "a/b/deep.txt" "a/c/open.txt"
out=$(tool --settings "$base/s.json" Glob "{\"pattern\":\"$ws/**/*.env\"}")
t_eq "Glob with an absolute pattern finds no denied file" "$out" "No files found"

# A rule anchored above the search root still applies below it.
printf '{"permissions":{"deny":["Read(/%s/**/*.env)"]}}' "$ws" >"$base/above.json"
in='{"pattern":"secret","path":"a","output_mode":"content","-i":true}'
shows "Grep under a/ without a policy" "$(tool Grep "$in")" "a/b/.env" "SECRET_TOKEN"
out=$(tool --settings "$base/above.json" Grep "$in")
hides "Grep under a/ with Read(//WS/**/*.env)" "$out" "b/.env" "SECRET_TOKEN"
shows "Grep under a/ with Read(//WS/**/*.env)" "$out" "a/b/deep.txt" "a/c/open.txt"
out=$(tool --settings "$base/above.json" Glob '{"pattern":"*","path":"a/b"}')
t_eq "Glob in a/b with Read(//WS/**/*.env)" "$out" "a/b/deep.txt"

# A rule relative to the project root, searched from a root below it; the
# working directory does not move it (Read(./b) means WS/b, not WS/a/b).
printf '{"permissions":{"deny":["Read(./a/b)","Read(./c)"]}}' >"$base/rel.json"
in='{"pattern":"secret","-i":true}'
shows "Grep from cwd a/ without a policy" "$(tool --cwd "$ws/a" Grep "$in")" "b/deep.txt" "c/open.txt"
out=$(tool --cwd "$ws/a" --settings "$base/rel.json" Grep "$in")
hides "Grep from cwd a/ with Read(./a/b)" "$out" "deep.txt" "b/.env"
shows "Grep from cwd a/ with Read(./c) (which is WS/c)" "$out" "c/open.txt"
out=$(tool --settings "$base/rel.json" Glob '{"pattern":"**","path":"a"}')
t_eq "Glob under a/ with Read(./a/b)" "$out" "a/c/open.txt"

# An agent's disallowedTools rule is a deny rule like a settings one.
printf -- '---\nname: nosecrets\ndescription: d\ndisallowedTools: Read(./secrets/**)\n---\nx\n' >"$base/agent.md"
out=$(tool --agent "$base/agent.md" Grep '{"pattern":"key material","output_mode":"content"}')
hides "Grep with the agent's disallowedTools" "$out" "key.txt" "key material"

# A denied file named as the path is refused before the child runs.
out=$(tool --settings "$base/s.json" Grep '{"pattern":"secret","path":"secrets/key.txt","output_mode":"content"}'); rc=$?
t_eq "Grep naming a denied file exits 1" "$rc" 1
t_contains "with the policy's denial" "$out" "Permission to read secrets/key.txt has been denied"
hides "Grep naming a denied file" "$out" "key material"
out=$(tool --settings "$base/s.json" Grep '{"pattern":"secret","path":"secrets"}'); rc=$?
t_eq "Grep naming a denied directory exits 1" "$rc" 1

# A start path through a symbolic link cannot be judged by path: refused.
in='{"pattern":"secret","path":"lnk","output_mode":"content"}'
shows "Grep through a symlink without a policy" "$(tool Grep "$in")" "key material"
out=$(tool --settings "$base/s.json" Grep "$in"); rc=$?
t_eq "Grep through a symlink with deny rules exits 1" "$rc" 1
t_contains "and says why" "$out" "goes through a symbolic link"
hides "Grep through a symlink with deny rules" "$out" "key material"

# One resolution: "~" is HOME for the policy and for the child alike. With
# HOME two levels inside the workspace, ~/../secrets/key.txt is
# WS/h1/secrets/key.txt (no such file), never WS/secrets/key.txt.
mkdir -p "$ws/h1/h2"
out=$(HOME=$ws/h1/h2 tool --settings "$base/s.json" Read '{"file_path":"~/../secrets/key.txt"}')
hides "Read ~/../secrets/key.txt with HOME inside the workspace" "$out" "key material"
t_contains "and reports the file it judged as missing" "$out" "File does not exist"
out=$(HOME=$ws/h1/h2 tool --settings "$base/s.json" Read '{"file_path":"~/../../secrets/key.txt"}'); rc=$?
t_eq "Read of the secret by way of ~ is refused" "$rc" 1
t_contains "by the deny rule" "$out" "Permission to read"
hides "Read ~/../../secrets/key.txt" "$out" "key material"

# A Read through a link to a denied file is refused; without the rules it works.
ln -s secrets/key.txt "$ws/key-link"
shows "Read through a link without a policy" "$(tool Read '{"file_path":"key-link"}')" "key material"
out=$(tool --settings "$base/s.json" Read '{"file_path":"key-link"}'); rc=$?
t_eq "Read through a link with deny rules exits 1" "$rc" 1
t_contains "and says why" "$out" "goes through a symbolic link"
hides "Read through a link with deny rules" "$out" "key material"
out=$(tool --settings "$base/s.json" Read '{"file_path":"lnk/key.txt"}'); rc=$?
hides "Read through a linked directory with deny rules" "$out" "key material"

t_done
