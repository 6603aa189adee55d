#!/usr/bin/env python3
"""Conformance runner: replay recorded reference tool calls through cordon.

For every case in tests/conformance/cases (sorted by name):
  1. build a private workspace from `files` (text, content/base64, mtime in
     UTC, mode, dir) and run `setup` in it;
  2. feed all `calls` through ONE `cordon tool --stdin` session (so the
     read-before-write state carries over), cwd = workspace;
  3. compare each result with `expect` by the README's rules:
       - is_error always equal;
       - Read/Grep/Glob/Bash success: byte-equal after placeholder
         substitution; token counts and saved-output paths are masked
         (the README says they are not expected to match); Grep marked
         `nondeterministic` is compared per file; any `variants` entry may
         match;
       - Write/Edit/TodoWrite success and all error text: exact, or else
         the same facts: every path, number (not token counts), backticked
         name and `String: ...` value of the expected text appears in ours
         (plus the FACTS table for cases where that is not enough);
       - content block arrays (images, notebooks): equal as JSON;
     then `workspace_after` equal (the set of regular files and their bytes);
  4. print one TAP line per case, and the plan ("1..N") at the end.
WebFetch cases get their own loopback HTTPS (and HTTP) server (tests/httpd.py:
a throwaway CA, the case's "static" pages as routes); {HTTPS_PORT},
{HTTP_PORT} and {PORT} are its ports, and cordon runs with the test-only
switches that let the fetch reach loopback and trust that CA
(CORDON_TEST_ALLOW_LOOPBACK_FETCH, CORDON_TEST_FETCH_CA_FILE). The
reference's answer to a page comes from a second model call (the case's
"side_text"); `cordon tool` has no model and returns the page as Markdown,
so for those calls the runner checks that every word of the page's visible
text reached the result instead.
A tool that still answers "this tool is not implemented yet" makes its cases
SKIP with that reason. Cases we choose not to follow are listed in
docs/compatibility.md and in DEVIATIONS below (they SKIP with the reason).

With --via-run, each case goes through the agent loop instead: `cordon -p`
against scripts/mock-llm on loopback, one scripted model turn per call; the
tool results are read from the requests cordon sent to the mock (the
conversation the model would see) and compared by the same rules. A
WebFetch call with a "side_text" makes cordon's second model call: the
mock answers it with that text (a turn of its own), the request must carry
the page, and the tool result must be that answer.

Usage: runner.py [-v] [--via-run] [CASE-NAME-GLOB...]
"""
import base64
import calendar
import fnmatch
import glob
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.environ.get("ROOT") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CORDON = os.environ.get("CORDON") or os.path.join(ROOT, "build", "cordon")
CASES = os.path.join(ROOT, "tests", "conformance", "cases")
CALL_TIMEOUT = 120
VIA_RUN = False
MOCK = os.path.join(ROOT, "scripts", "mock-llm")

# Which issue implements a tool, for SKIP reasons while it is a placeholder.
TOOL_ISSUE = {"Bash": "the Bash issue", "WebFetch": "the WebFetch issue",
              "Grep": "issue 4, Grep/Glob part", "Glob": "issue 4, Grep/Glob part"}

# Cases (or "case#call") we knowingly do not follow; see docs/compatibility.md.
DEVIATIONS = {
    # The README: "behaviour this version moves to background tasks on timeout
    # (cordon kills at the timeout and says so)" is not expected to match;
    # bash_timeout_no_background is the same command killed, and must match.
    "bash_timeout": "the reference moves a command that outlives its timeout to the background; "
                    "cordon kills its whole tree at the timeout and says so (docs/compatibility.md)",
}

# Extra facts our text must contain, per "case#call-index", when the
# generic extraction is not enough.
FACTS = {
    "read_binary_ext#0": ["binary", ".bin"],
    "read_directory#0": ["EISDIR", "{WS}/subdir"],
    "read_missing#0": ["does not exist", "{WS}"],
    "edit_missing_file#0": ["does not exist"],
    "edit_not_found#1": ["not found", "does_not_exist()"],
    "edit_not_unique#1": ["2 matches", "replace_all"],
    "edit_same_strings#1": ["No changes"],
    "edit_empty_old_existing#1": ["already exists"],
    "edit_without_read#0": ["not been read"],
    "write_overwrite_unread#0": ["not been read"],
    "read_token_cap_with_limit#0": ["exceeds maximum allowed tokens (25000)"],
    "read_too_large#0": ["1.2MB", "256KB"],
    "todowrite_invalid#0": ["todos[1].content", "missing"],
}

VERBOSE = False


def log(*a):
    if VERBOSE:
        print("#", *a, file=sys.stderr)


def subst(s, env):
    for k, v in env.items():
        s = s.replace("{" + k + "}", v)
    return s


def subst_json(v, env):
    if isinstance(v, str):
        return subst(v, env)
    if isinstance(v, list):
        return [subst_json(x, env) for x in v]
    if isinstance(v, dict):
        return {k: subst_json(x, env) for k, x in v.items()}
    return v


def parse_mtime(s):
    return calendar.timegm(time.strptime(s, "%Y-%m-%d %H:%M:%S"))


def build_workspace(ws, files):
    for rel, spec in files.items():
        p = os.path.join(ws, rel)
        if isinstance(spec, dict) and spec.get("dir"):
            os.makedirs(p, exist_ok=True)
            continue
        os.makedirs(os.path.dirname(p), exist_ok=True)
        if isinstance(spec, str):
            data = spec.encode()
        elif "base64" in spec:
            data = base64.b64decode(spec["base64"])
        else:
            data = spec.get("content", "").encode()
        with open(p, "wb") as f:
            f.write(data)
        if isinstance(spec, dict):
            if "mode" in spec:
                m = spec["mode"]
                os.chmod(p, int(m, 8) if isinstance(m, str) else m)
            if "mtime" in spec:
                t = parse_mtime(spec["mtime"])
                os.utime(p, (t, t))


def snapshot(ws):
    out = {}
    for root, dirs, files in os.walk(ws):
        for f in files:
            p = os.path.join(root, f)
            if os.path.islink(p) or not os.path.isfile(p):
                continue
            with open(p, "rb") as fh:
                out[os.path.relpath(p, ws)] = fh.read()
    return out


def check_workspace(ws, expected):
    got = snapshot(ws)
    want = {k: v for k, v in expected.items() if not (isinstance(v, dict) and v.get("dir"))}
    problems = []
    for k in sorted(set(got) | set(want)):
        if k not in want:
            problems.append("unexpected file %s" % k)
            continue
        if k not in got:
            problems.append("missing file %s" % k)
            continue
        spec, data = want[k], got[k]
        if isinstance(spec, str):
            ok = data == spec.encode()
        elif "sha256" in spec:
            ok = hashlib.sha256(data).hexdigest() == spec["sha256"] and len(data) == spec.get("size", len(data))
        elif "base64" in spec:
            ok = data == base64.b64decode(spec["base64"])
        else:
            ok = data == spec.get("content", "").encode()
        if not ok:
            problems.append("content of %s differs: %r" % (k, data[:200]))
    return problems


MASKS = [
    (re.compile(r"\(\d+ tokens"), "(N tokens"),
    (re.compile(r"Full output saved to: \S+"), "Full output saved to: PATH"),
    # A background task's id ({ID1}: random) and its output file (under the
    # reference's own temp dir; ours is in the session's output dir).
    (re.compile(r"Command running in background with ID: \S+\. Output is being written to: \S+\.output\. "),
     "Command running in background with ID: ID. Output is being written to: PATH. "),
]


def mask(s):
    for r, rep in MASKS:
        s = r.sub(rep, s)
    return s


def per_file_equal(got, want, files):
    """Grep output from a multi-threaded run: each file's lines in order."""
    names = sorted(files, key=len, reverse=True)

    def split(text):
        groups, other = {}, []
        for line in text.split("\n"):
            for f in names:
                if line.startswith(f + ":") or line.startswith(f + "-"):
                    groups.setdefault(f, []).append(line)
                    break
            else:
                other.append(line)
        return groups, sorted(other)
    return split(got) == split(want)


def facts_of(text, ws):
    facts = []
    t = re.sub(r"\d+ tokens", "", text)
    facts += re.findall(re.escape(ws) + r"[^\s'\"]*[^\s'\".,?]", t)
    facts += re.findall(r"`([^`]+)`", t)
    m = re.search(r"\nString: (.*)$", t, re.S)
    if m:
        facts.append(m.group(1))
    # numbers that carry meaning: counts, sizes, line numbers
    facts += re.findall(r"\b\d+(?:\.\d+)?(?:KB|MB|GB)\b", t)
    facts += [n for n in re.findall(r"(?<![\w.])\d+(?![\w.])", t)]
    return facts


def same_facts(got, want, ws, extra):
    missing = [f for f in facts_of(want, ws) + extra if f not in got]
    return missing


def page_words(case, call, env):
    """The words of the visible text of the static page a WebFetch call asks for."""
    url = subst(call["input"].get("url", ""), env)
    path = "/" + url.split("://", 1)[-1].split("/", 1)[-1].split("?", 1)[0] if "/" in url.split("://", 1)[-1] else "/"
    page = case.get("static", {}).get(path)
    if not page:
        return None
    body = page.get("body", "")
    if "html" in page.get("content_type", ""):
        body = re.sub(r"(?is)<(script|style|title|head)\b.*?</\1\s*>", " ", body)
        body = re.sub(r"<[^>]*>", " ", body)
    return re.findall(r"[A-Za-z0-9]+", body)


def compare_call(case, idx, call, res, env, files):
    key = "%s#%d" % (case["name"], idx)
    exp = subst_json(call["expect"], env)
    name = call["name"]
    if res.get("is_error", False) != exp.get("is_error", False):
        return "is_error %s, want %s: %r" % (res.get("is_error"), exp.get("is_error"), res.get("content"))
    got = res.get("content")
    want = exp.get("content")
    if name == "WebFetch" and case.get("side_text") and not exp.get("is_error") and VIA_RUN:
        # Through the loop the answer is the (mock) model's: the recorded one.
        return None if got == case["side_text"] else "answer %r, want %r" % (got, case["side_text"])
    if name == "WebFetch" and case.get("side_text") and not exp.get("is_error") and isinstance(got, str):
        # The reference's text is a model's answer (README: not expected to
        # match); without a model cordon returns the page: all of it must be there.
        words = page_words(case, call, env)
        if words is None:
            return "no static page for %r" % call["input"].get("url")
        missing = [w for w in words if w not in got]
        return None if not missing else "page words %r missing from %r" % (missing, got[:2000])
    if not isinstance(want, str) or not isinstance(got, str):
        return None if got == want else "content differs:\n got: %r\nwant: %r" % (got, want)
    if got == want:
        return None
    # WebFetch's own texts (a redirect to another host, an HTTP error status) are byte-exact too.
    if not exp.get("is_error") and name in ("Read", "Grep", "Glob", "Bash", "WebFetch"):
        candidates = [want] + [subst(v["content"], env) for v in exp.get("variants", [])]
        for c in candidates:
            if mask(got) == mask(c):
                return None
            if exp.get("nondeterministic") and per_file_equal(mask(got), mask(c), files):
                return None
        return "output differs:\n got: %r\nwant: %r" % (got[:3000], want[:3000])
    extra = [subst(f, env) for f in FACTS.get(key, [])]
    if not exp.get("is_error") and name in ("Write", "Edit"):
        path = call["input"].get("file_path", "")
        extra.append(subst(path, env))
        extra.append("created" if "created" in want else "updated")
    missing = same_facts(got, want, env["WS"], extra)
    if missing:
        return "missing facts %r in %r (want %r)" % (missing, got[:2000], want[:2000])
    return None


def probe_tools(names, tmp):
    """Which of these tools are still placeholders (asked with a valid input:
    the input is validated before a tool runs)."""
    # WebFetch's probe is refused by the address check at once: no DNS, no connection.
    probe = {"Bash": {"command": "true"}, "WebFetch": {"url": "https://127.0.0.1/", "prompt": "x"},
             "Read": {"file_path": "probe"}, "Write": {"file_path": "probe", "content": ""},
             "Edit": {"file_path": "probe", "old_string": "a", "new_string": "b"},
             "Glob": {"pattern": "probe"}, "Grep": {"pattern": "probe"}, "TodoWrite": {"todos": []}}
    lines = "".join(json.dumps({"name": n, "input": probe.get(n, {})}) + "\n" for n in names)
    p = subprocess.run([CORDON, "tool", "--workspace", tmp, "--stdin"], input=lines.encode(),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=CALL_TIMEOUT)
    out = {}
    for n, line in zip(names, p.stdout.decode().splitlines()):
        try:
            out[n] = "not implemented yet" in json.loads(line).get("content", "")
        except (ValueError, AttributeError):
            out[n] = False
    return out


def results_via_run(case, env, penv, ws, base):
    """The case's calls as model turns of one `cordon -p` run against the mock:
    the tool results as the next request carried them, one JSON line each."""
    calls = case["calls"]
    turns = []
    for i, c in enumerate(calls):
        turns.append({"content": [{"type": "tool_use", "id": "toolu_conf_%d" % i, "name": c["name"],
                                   "input": subst_json(c["input"], env)}], "model": "claude-sonnet-4-5"})
        if c["name"] == "WebFetch" and case.get("side_text") and not c["expect"].get("is_error"):
            # WebFetch's second model call comes next: the mock answers it as the reference's model did.
            turns.append({"content": [{"type": "text", "text": case["side_text"]}], "model": "claude-haiku-4-5"})
    turns.append({"content": [{"type": "text", "text": "done"}], "model": "claude-sonnet-4-5"})
    script, log, portf = (os.path.join(base, n) for n in ("script.json", "mock.jsonl", "port"))
    with open(script, "w") as f:
        json.dump({"turns": turns}, f)
    mock = subprocess.Popen([MOCK, "--script", script, "--log", log, "--port-file", portf],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(500):
            if os.path.exists(portf):
                break
            time.sleep(0.01)
        port = open(portf).read().strip()
        renv = dict(penv, ANTHROPIC_API_KEY="sk-conformance", ANTHROPIC_BASE_URL="http://127.0.0.1:" + port,
                    XDG_STATE_HOME=os.path.join(base, "state"))
        # The recorded calls were all allowed (the reference ran them); the
        # policy is not what these cases test, so it lets them run, as the
        # `cordon tool` pass does with no policy at all.
        p = subprocess.run([CORDON, "-p", "--model", "claude-sonnet-4-5", "--output-format", "json",
                            "--permission-mode", "bypassPermissions", "run the calls"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=renv, cwd=ws,
                           timeout=CALL_TIMEOUT * max(1, len(calls)))
    finally:
        mock.terminate()
        mock.wait()
    reqs = [json.loads(l) for l in open(log)] if os.path.exists(log) else []
    # WebFetch's second calls carry no tools: the page they were sent must be there.
    side = [r for r in reqs if "tools" not in r["body"]]
    reqs = [r for r in reqs if "tools" in r["body"]]
    for r in side:
        text = json.dumps(r["body"]["messages"])
        words = [w for c in calls if c["name"] == "WebFetch" for w in (page_words(case, c, env) or [])]
        if "Web page content:" not in text or any(w not in text for w in words):
            return None, "a second WebFetch request without its page: %s" % text[:1000]
    if len(side) != len([t for t in turns if t.get("model") == "claude-haiku-4-5"]):
        return None, "%d second WebFetch requests, want one per fetched page" % len(side)
    if p.returncode != 0 or len(reqs) != len(calls) + 1:
        return None, "cordon -p exited %d after %d requests (want %d): %s" % (
            p.returncode, len(reqs), len(calls) + 1, (p.stdout + p.stderr).decode()[-2000:])
    results = []
    for i in range(len(calls)):
        last = reqs[i + 1]["body"]["messages"][-1]
        blocks = [b for b in last["content"] if b.get("type") == "tool_result"]
        if last["role"] != "user" or len(blocks) != 1 or blocks[0]["tool_use_id"] != "toolu_conf_%d" % i:
            return None, "request %d does not answer call %d: %s" % (i + 2, i, json.dumps(last)[:1000])
        results.append(json.dumps({"content": blocks[0].get("content", ""),
                                   "is_error": bool(blocks[0].get("is_error"))}))
    return results, None


def run_case(path, placeholder_tools, case=None):
    if case is None:
        case = json.load(open(path, encoding="utf-8"))
    name = case["name"]
    if name in DEVIATIONS:
        return "skip", DEVIATIONS[name]
    tools = sorted({c["name"] for c in case["calls"]})
    for t in tools:
        if placeholder_tools.get(t):
            return "skip", "tool not implemented yet (%s)" % TOOL_ISSUE.get(t, "its issue")
    needs_server = "static" in case or any("PORT}" in json.dumps(c["input"]) for c in case["calls"])
    base = tempfile.mkdtemp(prefix="cordon-conf-")
    server = None
    try:
        ws = os.path.join(base, "ws")
        home = os.path.join(base, "home")
        tmpd = os.path.join(base, "tmp")
        outd = os.path.join(base, "out")
        for d in (ws, home, tmpd):
            os.makedirs(d)
        env = {"WS": ws, "HOME": home, "TMPDIR": tmpd}
        build_workspace(ws, case.get("files", {}))
        penv = dict(os.environ, HOME=home, TMPDIR=tmpd)
        penv.update(case.get("env", {}))
        if needs_server:
            server, ports = start_server(base, case.get("static", {}))
            env.update(HTTPS_PORT=ports["HTTPS_PORT"], HTTP_PORT=ports["HTTP_PORT"], PORT=ports["HTTP_PORT"])
            # Test-only switches (docs/sandbox.md): loopback may be fetched, the throwaway CA is trusted.
            penv.update(CORDON_TEST_ALLOW_LOOPBACK_FETCH="1", CORDON_TEST_FETCH_CA_FILE=ports["CA"])
        if case.get("setup"):
            setup = case["setup"]
            if isinstance(setup, list):
                setup = "\n".join(setup)
            subprocess.run(["bash", "-c", subst(setup, env)], cwd=ws, env=penv, check=True,
                           timeout=CALL_TIMEOUT)
        files = list(snapshot(ws).keys())
        files += [os.path.join(ws, f) for f in files]
        if VIA_RUN:
            results, err = results_via_run(case, env, penv, ws, base)
            if err:
                return "fail", err
        else:
            lines = "".join(json.dumps({"name": c["name"], "input": subst_json(c["input"], env),
                                        "id": "toolu_conf_%d" % i}) + "\n"
                            for i, c in enumerate(case["calls"]))
            p = subprocess.run([CORDON, "tool", "--workspace", ws, "--cwd", ws, "--output-dir", outd, "--stdin"],
                               input=lines.encode(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=penv, timeout=CALL_TIMEOUT * max(1, len(case["calls"])), cwd=ws)
            results = p.stdout.decode("utf-8", "replace").splitlines()
            if len(results) != len(case["calls"]):
                return "fail", "expected %d results, got %d (exit %d): %s" % (
                    len(case["calls"]), len(results), p.returncode, p.stderr.decode()[-2000:])
        problems = []
        for i, (c, line) in enumerate(zip(case["calls"], results)):
            res = json.loads(line)
            log(name, i, json.dumps(res)[:300])
            err = compare_call(case, i, c, res, env, files)
            if err:
                problems.append("call %d (%s): %s" % (i, c["name"], err))
        problems += ["workspace_after: " + x
                     for x in check_workspace(ws, subst_json(case.get("workspace_after", {}), env))]
        if problems:
            return "fail", "\n".join(problems)
        return "pass", None
    finally:
        stop_server(server)
        shutil.rmtree(base, ignore_errors=True)


def start_server(base, static):
    """tests/httpd.py serving the case's pages; returns (process, {HTTPS_PORT, HTTP_PORT, CA})."""
    routes = os.path.join(base, "routes.json")
    with open(routes, "w", encoding="utf-8") as f:
        json.dump(static, f)
    p = subprocess.Popen([sys.executable, os.path.join(ROOT, "tests", "httpd.py"), "--dir",
                          os.path.join(base, "httpd"), "--routes", routes, "--lifetime", "600"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    line = p.stdout.readline().decode()
    ports = dict(kv.split("=", 1) for kv in line.split())
    if "HTTPS_PORT" not in ports:
        stop_server(p)
        raise RuntimeError("the test HTTP server did not start: %r %r" % (line, p.stderr.read()[-2000:]))
    return p, ports


def stop_server(p):
    """Close its stdin (it stops by itself then); kill it if it does not."""
    if not p:
        return
    try:
        p.stdin.close()
        p.wait(timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        p.send_signal(signal.SIGKILL)
        p.wait()


def main(argv):
    global VERBOSE, VIA_RUN
    pats = []
    for a in argv:
        if a == "-v":
            VERBOSE = True
        elif a == "--via-run":
            VIA_RUN = True
        else:
            pats.append(a)
    paths = sorted(glob.glob(os.path.join(CASES, "*.json")))
    if pats:
        paths = [p for p in paths if any(fnmatch.fnmatch(os.path.basename(p)[:-5], x) for x in pats)]
    if not os.access(CORDON, os.X_OK):
        print("not ok - conformance: no cordon binary at %s" % CORDON)
        print("1..1")
        return 1
    tools = sorted({c["name"] for p in paths for c in json.load(open(p, encoding="utf-8"))["calls"]})
    probe_dir = tempfile.mkdtemp(prefix="cordon-conf-probe-")
    try:
        placeholders = probe_tools(tools, probe_dir)
    finally:
        shutil.rmtree(probe_dir, ignore_errors=True)
    failed = 0
    ran = 0  # TAP lines printed: the plan at the end (tests/run checks it)
    # The runner itself must be able to fail: a case with a wrong
    # expectation (one changed character) has to come out "fail".
    probe = os.path.join(CASES, "read_small.json")
    if not pats and os.path.exists(probe):
        bad = json.load(open(probe, encoding="utf-8"))
        bad["calls"][0]["expect"]["content"] = bad["calls"][0]["expect"]["content"].replace("two", "2")
        status, _ = run_case(probe, placeholders, bad)
        ran += 1
        if status == "fail":
            print("ok - conformance runner rejects a wrong expectation")
        else:
            failed += 1
            print("not ok - conformance runner rejects a wrong expectation (got %s)" % status)
    for p in paths:
        name = os.path.basename(p)[:-5]
        try:
            status, why = run_case(p, placeholders)
        except Exception as e:  # a broken case or a crash must show as a failure
            status, why = "fail", "runner error: %r" % e
        ran += 1
        if status == "pass":
            print("ok - conformance %s" % name)
        elif status == "skip":
            print("ok - conformance %s # SKIP %s" % (name, why))
        else:
            failed += 1
            print("not ok - conformance %s" % name)
            for line in why.splitlines()[:40]:
                print("#   " + line)
        sys.stdout.flush()
    print("1..%d" % ran)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
