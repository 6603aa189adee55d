#!/usr/bin/env bash
# The layout's include rules (runtime/README.md and each folder's README):
# every #include "..." of a source file must be allowed for its folder, so
# the trust boundary stays visible and nothing includes upward.
. "$ROOT/tests/lib.sh"

cd "$ROOT" || exit 1

# allowed FOLDER: the include prefixes its files may use (besides their own folder)
allowed() {
	case $1 in
	common) echo "common/" ;;
	policy) echo "common/ policy/" ;;
	tools) echo "common/ tools/ policy/profile.h policy/pathmatch.h policy/catalog.h" ;;
	runtime/sandbox) echo "common/ runtime/sandbox/ policy/profile.h" ;;
	runtime/provider) echo "common/ runtime/provider/" ;;
	runtime/session) echo "common/ policy/ tools/tool.h tools/pathres.h tools/textfile.h tools/input.h tools/webfetch.h runtime/session/ runtime/sandbox/sandbox.h" ;;
	runtime/loop) echo "common/ policy/ runtime/loop/ runtime/session/ runtime/provider/" ;;
	runtime/git) echo "common/ runtime/git/" ;;
	runtime/cli) echo "common/ policy/ tools/ runtime/" ;;
	runtime) echo "runtime/cli/" ;;
	esac
}

bad=()
for f in $(git ls-files 'common/*.[ch]' 'policy/*.[ch]' 'tools/*.[ch]' 'runtime/*.[ch]' 'runtime/*/*.[ch]'); do
	dir=$(dirname "$f")
	rules=$(allowed "$dir")
	if [ -z "$rules" ]; then
		bad+=("$f: folder $dir has no include rules (add them to this test and its README)")
		continue
	fi
	while IFS= read -r inc; do
		ok=0
		for r in $rules; do
			case $inc in "$r"*) ok=1 ;; esac
		done
		[ $ok = 1 ] || bad+=("$f includes $inc")
	done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
done
if [ ${#bad[@]} -eq 0 ]; then
	t_pass "every include follows the layout's rules"
else
	t_fail "every include follows the layout's rules" "${bad[@]}"
fi

# Each runtime folder says what it owns.
for d in runtime runtime/*/; do
	d=${d%/}
	if [ -f "$d/README.md" ]; then t_pass "$d has a README"; else t_fail "$d has a README"; fi
done
t_done
