#!/usr/bin/env bash
# The CI recipes and the container image (docs/ci.md) as far as they can be
# checked without a CI service, an engine or a cluster: the YAML parses and
# has the shape the docs describe; the model key is given to the run step
# only and no token is left in .git/config; the image is Debian-based,
# installs with make install and runs as a user.
. "$ROOT/tests/lib.sh"

if ! python3 -c 'import yaml' 2>/dev/null; then
	t_skip "contrib: the YAML parses" "python3 has no yaml module"
	t_done
fi
out=$(python3 - "$ROOT" <<'PY' 2>&1
import sys, yaml
root = sys.argv[1]
def load(p):
    return yaml.safe_load(open(f"{root}/{p}"))

gh = load("contrib/ci/github-actions.yml")
on = gh.get("on", gh.get(True))
assert "pull_request" in on and "pull_request_target" not in on, on
steps = gh["jobs"]["agent"]["steps"]
co = [s for s in steps if s.get("uses", "").startswith("actions/checkout")][0]
assert co["with"]["persist-credentials"] is False, co
keyed = [s.get("name") for s in steps if "ANTHROPIC_API_KEY" in str(s.get("env", {}))]
assert keyed == ["Run the agent"], keyed
run = [s for s in steps if s.get("name") == "Run the agent"][0]["run"]
assert "--diff" in run and "--commit" in run and "--branch" in run, run
assert any("cordon doctor" in s.get("run", "") for s in steps)
print("github-actions ok")

gl = load("contrib/ci/gitlab-ci.yml")["cordon"]
script = "\n".join(gl["script"])
assert "cordon doctor" in script and "git remote set-url origin" in script, script
assert script.index("git remote set-url") < script.index("cordon -p"), "the token leaves .git/config before the run"
assert "merge_request_event" in gl["rules"][0]["if"]
assert set(gl["artifacts"]["paths"]) == {"cordon.patch", "result.json"}
print("gitlab-ci ok")

job = load("contrib/k8s/cordon-job.yaml")
assert job["kind"] == "Job" and job["spec"]["backoffLimit"] == 0
pod = job["spec"]["template"]["spec"]
assert pod["restartPolicy"] == "Never" and pod["automountServiceAccountToken"] is False
names = [c["name"] for c in pod["initContainers"]] + [c["name"] for c in pod["containers"]]
assert names == ["clone", "agent", "deliver"], names
def envs(c):
    return {e["name"] for e in c.get("env", [])}
agent, deliver = pod["initContainers"][1], pod["containers"][0]
assert "ANTHROPIC_API_KEY" in envs(agent) and "GIT_TOKEN" not in envs(agent)
assert "GIT_TOKEN" in envs(deliver) and "ANTHROPIC_API_KEY" not in envs(deliver)
assert agent["securityContext"]["capabilities"]["drop"] == ["ALL"]
assert not any(c.get("securityContext", {}).get("privileged") for c in pod["initContainers"] + pod["containers"])
print("k8s job ok")
PY
); rc=$?
if [ $rc -eq 0 ]; then t_pass "contrib: the recipes parse and have the documented shape"; else t_fail "contrib: the recipes parse and have the documented shape" "$out"; fi

cf=$ROOT/Containerfile
t_check "Containerfile: Debian-based" grep -q '^FROM docker.io/library/debian:bookworm' "$cf"
t_check "Containerfile: installed with make install (PREFIX, DESTDIR)" grep -q 'make install PREFIX=/usr DESTDIR=/out' "$cf"
t_check "Containerfile: runs as a user, not root" grep -q '^USER cordon$' "$cf"
t_check "Containerfile: not privileged by design (no --privileged advice)" sh -c "! grep -q -- '--privileged' '$cf'"
# Every library the binary links comes from a package the image installs.
libs=$(ldd "$CORDON" | awk '/=>/ {print $1}')
missing=()
for l in libjansson libcurl libgit2 libyaml libpcre2-8 libseccomp libcap; do
	case $libs in *"$l"*) grep -q "$(case $l in libjansson) echo libjansson4 ;; libcurl) echo libcurl4 ;; libgit2) echo libgit2-1.5 ;; libyaml) echo libyaml-0-2 ;; libpcre2-8) echo libpcre2-8-0 ;; libseccomp) echo libseccomp2 ;; libcap) echo libcap2 ;; esac)" "$cf" || missing+=("$l") ;; esac
done
t_eq "Containerfile: the run stage installs every library cordon links" "${missing[*]}" ""
t_done
