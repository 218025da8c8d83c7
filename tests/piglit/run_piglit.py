#!/usr/bin/env python3
"""Run a list of piglit tests natively and through gfxrelay, and compare.

Each line of the list file is one test: a command line relative to the piglit
directory, for example

    bin/minmax_gles3 -auto -fbo
    bin/shader_runner_gles3 tests/spec/glsl-es-3.00/execution/sanity.shader_test -auto -fbo

Blank lines and '#' comments are ignored. Every test runs with the piglit
directory as its working directory and PIGLIT_PLATFORM=surfaceless_egl.

A native run points libglvnd at Mesa's EGL vendor file
(__EGL_VENDOR_LIBRARY_FILENAMES). A relayed run leaves that variable unset and
runs `GFXRELAY run -- <test command>`. For each test the native run and the
relayed run happen back to back; --jobs tests run at the same time.

The closing line is `N passed, M failed`: N counts tests that pass both natively
and relayed, M tests that pass natively but not relayed (with --native-only:
native passes and native non-passes, skips left out). The exit status is 0 when
N > 0 and M / (N + M) <= --max-fail-ratio, else 1 (2 for usage errors).

Only the Python standard library is used.
"""

import argparse
import concurrent.futures
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time

DEFAULT_PIGLIT_DIR = "/usr/lib/x86_64-linux-gnu/piglit"
DEFAULT_EGL_VENDOR = "/usr/share/glvnd/egl_vendor.d/50_mesa.json"
RESULTS = ("pass", "fail", "skip", "warn", "crash", "timeout")
PIGLIT_LINE = re.compile(r"^PIGLIT:\s*(\{.*\})\s*$")
TAIL_LINES = 15


def parse_args(argv):
    ap = argparse.ArgumentParser(
        description="Run piglit tests natively and relayed through gfxrelay, and compare.")
    ap.add_argument("--list", required=True, metavar="FILE",
                    help="test list: one command line per test, relative to the piglit dir")
    ap.add_argument("--gfxrelay", metavar="PATH", default=os.environ.get("GFXRELAY"),
                    help="the gfxrelay executable (default: $GFXRELAY); "
                         "required unless --native-only")
    ap.add_argument("--piglit-dir", metavar="DIR",
                    default=os.environ.get("PIGLIT_DIR", DEFAULT_PIGLIT_DIR),
                    help="piglit install or build dir (default: $PIGLIT_DIR or %(default)s)")
    ap.add_argument("--jobs", "-j", type=int, default=1, metavar="N",
                    help="tests run at the same time (default: %(default)s)")
    ap.add_argument("--timeout", type=float, default=60.0, metavar="SEC",
                    help="time limit for one run of one test (default: %(default)s)")
    ap.add_argument("--native-only", action="store_true",
                    help="run the tests natively only")
    ap.add_argument("--filter", metavar="REGEX",
                    help="run only the tests whose line matches REGEX (re.search)")
    ap.add_argument("--results-json", metavar="OUT",
                    help="write every result (with output tails) to OUT as JSON")
    ap.add_argument("--native-egl-vendor", metavar="JSON", default=DEFAULT_EGL_VENDOR,
                    help="glvnd EGL vendor file for native runs (default: %(default)s)")
    ap.add_argument("--platform", default="surfaceless_egl",
                    help="PIGLIT_PLATFORM for every run (default: %(default)s)")
    ap.add_argument("--max-fail-ratio", type=float, default=0.05, metavar="R",
                    help="largest M/(N+M) that still exits 0 (default: %(default)s)")
    ap.add_argument("--known-failures", metavar="FILE",
                    help="tests expected to fail relayed (one per line, as in the list); they "
                         "still count in M, but the exit status ignores them, and one that "
                         "passes is reported so it can leave the file")
    ap.add_argument("--verbose", "-v", action="store_true",
                    help="print the command lines as they run")
    args = ap.parse_args(argv)
    if args.jobs < 1:
        ap.error("--jobs must be at least 1")
    if not os.path.isdir(args.piglit_dir):
        ap.error("piglit dir not found: %s (use --piglit-dir)" % args.piglit_dir)
    args.piglit_dir = os.path.abspath(args.piglit_dir)
    if not args.native_only:
        if not args.gfxrelay:
            ap.error("give --gfxrelay PATH (or set $GFXRELAY), or use --native-only")
        if not os.path.isfile(args.gfxrelay) or not os.access(args.gfxrelay, os.X_OK):
            ap.error("gfxrelay not found or not executable: %s" % args.gfxrelay)
        # Tests run in the piglit dir, so a relative path would break.
        args.gfxrelay = os.path.abspath(args.gfxrelay)
    if not os.path.isfile(args.native_egl_vendor):
        print("warning: EGL vendor file %s not found; native runs may pick another "
              "vendor" % args.native_egl_vendor, file=sys.stderr)
    return args


def read_list(path, filter_re):
    tests = []
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            # Allow trailing comments ("bin/foo -auto  # why").
            line = re.sub(r"\s+#.*$", "", line)
            try:
                argv = shlex.split(line)
            except ValueError as e:
                raise SystemExit("%s:%d: %s" % (path, lineno, e))
            if filter_re and not filter_re.search(line):
                continue
            tests.append((line, argv))
    return tests


def tail(text, n):
    lines = text.rstrip("\n").splitlines()
    return lines[-n:]


class Runner:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.active = set()       # Popen objects still running
        self.stopping = False
        base = dict(os.environ)
        base["PIGLIT_PLATFORM"] = args.platform
        base.setdefault("PIGLIT_SOURCE_DIR", args.piglit_dir)
        self.native_env = dict(base)
        self.native_env["__EGL_VENDOR_LIBRARY_FILENAMES"] = args.native_egl_vendor
        self.relayed_env = dict(base)
        self.relayed_env.pop("__EGL_VENDOR_LIBRARY_FILENAMES", None)

    def command(self, argv, relayed):
        prog = argv[0]
        if "/" in prog and not os.path.isabs(prog):
            prog = os.path.join(self.args.piglit_dir, prog)
        cmd = [prog] + argv[1:]
        if relayed:
            cmd = [self.args.gfxrelay, "run", "--"] + cmd
        return cmd

    def run_one(self, argv, relayed):
        cmd = self.command(argv, relayed)
        env = self.relayed_env if relayed else self.native_env
        if self.args.verbose:
            with self.lock:
                print("+ " + " ".join(shlex.quote(c) for c in cmd), file=sys.stderr, flush=True)
        res = {"command": cmd, "returncode": None}
        start = time.monotonic()
        try:
            # A session of its own, so that a timeout can kill the whole group
            # (gfxrelay may start helper processes).
            proc = subprocess.Popen(cmd, cwd=self.args.piglit_dir, env=env,
                                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, start_new_session=True)
        except OSError as e:
            res.update(result="fail", duration=0.0, stdout="", stderr="cannot start: %s" % e)
            return res
        with self.lock:
            self.active.add(proc)
        timed_out = False
        try:
            out, err = proc.communicate(timeout=self.args.timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            kill_group(proc)
            out, err = proc.communicate()
        finally:
            with self.lock:
                self.active.discard(proc)
        res["duration"] = round(time.monotonic() - start, 3)
        res["returncode"] = proc.returncode
        res["stdout"] = out.decode("utf-8", "replace")
        res["stderr"] = err.decode("utf-8", "replace")
        res["result"] = "timeout" if timed_out else classify(res["stdout"], proc.returncode,
                                                            relayed)
        return res

    def run_test(self, line, argv):
        entry = {"test": line}
        if self.stopping:
            return entry
        entry["native"] = self.run_one(argv, relayed=False)
        if not self.args.native_only and not self.stopping:
            entry["relayed"] = self.run_one(argv, relayed=True)
        return entry

    def stop(self):
        self.stopping = True
        with self.lock:
            procs = list(self.active)
        for p in procs:
            if p.returncode is None:
                kill_group(p)


def kill_group(proc):
    # The test leads its own process group (start_new_session), so this ends
    # it and whatever it started, and nothing else.
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def killed_by_signal(returncode, relayed):
    if returncode is None:
        return False
    if returncode < 0:
        return True
    # A relaying launcher (or a shell) reports a child's death by signal S as
    # exit status 128 + S.
    return relayed and 128 < returncode <= 128 + 64


def classify(stdout, returncode, relayed):
    reported = None
    for line in stdout.splitlines():
        m = PIGLIT_LINE.match(line.strip())
        if not m:
            continue
        try:
            obj = json.loads(m.group(1))
        except ValueError:
            continue
        if isinstance(obj, dict) and isinstance(obj.get("result"), str):
            reported = obj["result"]
    if killed_by_signal(returncode, relayed):
        return "crash"
    if reported is None:
        return "fail"
    if reported not in RESULTS:
        return "fail"
    if reported == "pass" and returncode != 0:
        return "warn"
    return reported


def fmt_row(native, relayed, test):
    return "%-8s %-8s %s" % (native, relayed, test)


def main(argv=None):
    # Die quietly when the output is piped into `head` and the like.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    args = parse_args(sys.argv[1:] if argv is None else argv)
    filter_re = re.compile(args.filter) if args.filter else None
    tests = read_list(args.list, filter_re)
    if not tests:
        print("no tests to run", file=sys.stderr)
        print("0 passed, 0 failed")
        return 1

    runner = Runner(args)
    entries = [None] * len(tests)
    next_to_print = 0
    start = time.monotonic()
    print(fmt_row("native", "relayed", "test"))
    sys.stdout.flush()

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs)
    futures = {pool.submit(runner.run_test, line, argv): i
               for i, (line, argv) in enumerate(tests)}
    interrupted = False
    try:
        for fut in concurrent.futures.as_completed(futures):
            entries[futures[fut]] = fut.result()
            # Print in list order, as soon as a prefix of the list is done.
            while next_to_print < len(entries) and entries[next_to_print] is not None:
                e = entries[next_to_print]
                rel = e["relayed"]["result"] if "relayed" in e else "-"
                print(fmt_row(e["native"]["result"], rel, e["test"]), flush=True)
                next_to_print += 1
    except KeyboardInterrupt:
        interrupted = True
        runner.stop()
        pool.shutdown(wait=True, cancel_futures=True)
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        if not interrupted:
            pool.shutdown(wait=True)
    elapsed = time.monotonic() - start
    return report(args, entries, elapsed)


def report(args, entries, elapsed):
    native_counts = {r: 0 for r in RESULTS}
    for e in entries:
        native_counts[e["native"]["result"]] += 1
    native_pass = [e for e in entries if e["native"]["result"] == "pass"]

    print()
    print("wall time: %.1f s for %d tests (--jobs %d)" % (elapsed, len(entries), args.jobs))
    print("native: %d pass, %d fail, %d skip" % (
        native_counts["pass"], native_counts["fail"], native_counts["skip"]) +
        "".join(", %d %s" % (native_counts[r], r) for r in ("warn", "crash", "timeout")
                if native_counts[r]))

    summary = {"tests": len(entries), "native": native_counts,
               "wall_time_s": round(elapsed, 1)}
    if args.native_only:
        n = native_counts["pass"]
        m = len(entries) - native_counts["pass"] - native_counts["skip"]
        bad = [e for e in entries if e["native"]["result"] not in ("pass", "skip")]
        if bad:
            print("not passing natively (%d):" % len(bad))
            for e in bad:
                print_failure(e, "native")
    else:
        relayed_counts = {r: 0 for r in RESULTS}
        for e in entries:
            relayed_counts[e["relayed"]["result"]] += 1
        summary["relayed"] = relayed_counts
        regressions = [e for e in native_pass if e["relayed"]["result"] != "pass"]
        n = len(native_pass) - len(regressions)
        m = len(regressions)
        print("relayed: %d of %d natively passing tests pass" % (n, len(native_pass)))
        gained = [e for e in entries
                  if e["native"]["result"] != "pass" and e["relayed"]["result"] == "pass"]
        if gained:
            print("pass relayed but not natively: %d" % len(gained))
        if regressions:
            print("regressions (pass natively, not relayed): %d" % len(regressions))
            for e in regressions:
                print_failure(e, "relayed")
        summary["regressions"] = [e["test"] for e in regressions]

    ok = n > 0 and m / (n + m) <= args.max_fail_ratio
    if args.known_failures and not args.native_only:
        known = set()
        for line in open(args.known_failures):
            line = line.split("#", 1)[0].strip()
            if line:
                known.add(line)
        unexpected = [e for e in regressions if e["test"] not in known]
        fixed = [e["test"] for e in native_pass
                 if e["test"] in known and e["relayed"]["result"] == "pass"]
        print("known failures: %d; unexpected failures: %d" % (m - len(unexpected), len(unexpected)))
        for t in fixed:
            print("now passes relayed, remove from %s: %s" % (args.known_failures, t))
        ok = n > 0 and not unexpected
    summary.update(passed=n, failed=m, ok=ok)
    if args.results_json:
        write_json(args, entries, summary)
    print("%d passed, %d failed" % (n, m))
    return 0 if ok else 1


def print_failure(e, which):
    r = e[which]
    print("  %s: %s (exit status %s, %.1f s)" % (e["test"], r["result"], r["returncode"],
                                                 r.get("duration", 0.0)))
    for name in ("stderr", "stdout"):
        lines = tail(r.get(name, ""), 6)
        if lines:
            print("    %s:" % name)
            for ln in lines:
                print("      " + ln)


def write_json(args, entries, summary):
    def trim(r):
        if r is None:
            return None
        out = {k: r[k] for k in ("result", "returncode", "duration", "command") if k in r}
        # Keep output only where it helps to explain a non-pass.
        if r.get("result") != "pass":
            out["stdout_tail"] = tail(r.get("stdout", ""), TAIL_LINES)
            out["stderr_tail"] = tail(r.get("stderr", ""), TAIL_LINES)
        return out

    doc = {
        "piglit_dir": args.piglit_dir,
        "gfxrelay": None if args.native_only else args.gfxrelay,
        "platform": args.platform,
        "summary": summary,
        "tests": [{"test": e["test"], "native": trim(e.get("native")),
                   "relayed": trim(e.get("relayed"))} for e in entries],
    }
    with open(args.results_json, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    sys.exit(main())
