#!/usr/bin/env python3
"""Run piglit tests natively and through gfxrelay, and compare.

The tests come from a list file (--list), from a random sample of the installed
piglit's own test lists (--sample), or from both (the list's tests first, then
the sampled ones that are not in the list).

Each line of a list file is one test: a command line relative to the piglit
directory, for example

    bin/minmax_gles3 -auto -fbo
    bin/shader_runner_gles3 tests/spec/glsl-es-3.00/execution/sanity.shader_test -auto -fbo

Blank lines and '#' comments are ignored. Every test runs with the piglit
directory as its working directory and PIGLIT_PLATFORM set to --platform:

  surfaceless_egl (the default)  needs no window system.
  glx                            needs an X server: DISPLAY must be set (else the
                                 exit status is 2). Run the script under
                                 `sh tests/integration/with_xvfb.sh python3 ...`,
                                 which starts a private Xvfb for it.

A native run points libglvnd at Mesa: __EGL_VENDOR_LIBRARY_FILENAMES is Mesa's
EGL vendor file (--native-egl-vendor) and, with --platform glx,
__GLX_VENDOR_LIBRARY_NAME=mesa. A relayed run has neither variable (gfxrelay
sets both itself) and runs `GFXRELAY run -- <test command>`. For each test the
native run and the relayed run happen back to back; --jobs tests run at the same
time.

Sampling (--sample N, --seed S) draws N desktop-GL tests from the test lists
that piglit itself runs, serialized in the piglit dir: tests/opengl.xml.gz (the
programs of bin/ with their arguments) and tests/shader.xml.gz (the
shader_runner tests); with tests/glslparser.xml.gz they make piglit's `all`
profile (tests/all.meta.xml). A drawn test is the command piglit runs: the
program in bin/ with piglit's arguments, then `-auto -fbo` as piglit's runner
adds them, for example

    bin/fbo-blit-stretch -auto -fbo
    bin/shader_runner generated_tests/spec/glsl-1.30/execution/.../x.shader_test -auto -fbo

About half of the sample are programs, half shader_runner tests (when one kind
runs out, the other fills up). Left out are tests that piglit runs without -fbo
(run_concurrent False: on-screen windows, front buffers, timing, several windows
or threads), tests with environment variables of their own, tests that piglit
restricts to other platforms (require_platforms / exclude_platforms against
--platform, so GLX tests are drawn with --platform glx only), GLES and EGL
programs (names with gles, egl, essl, _es2, _es3 or es3-, or in a piglit group
named so; the desktop-GL tests of ARB_ES2/ES3_compatibility stay), shader tests
for shader_runner_gles*, under glsl-es-* or *gles* folders or whose [require]
section asks for GL ES or GLSL ES, and programs missing from bin/.

The draw is stratified so that no folder dominates: programs by piglit group
(spec@<extension or GL version>, else the first part of the test name), shader
tests by spec folder (the folder under spec/, in tests/ or generated_tests/),
and within those by program or subfolder. The strata take turns, in a random
order, each giving one random test of its own. The seed (random unless --seed)
is printed first, as `seed: S`; the same seed, N, --platform, --filter, --list
and piglit install give the same sample, listed sorted, programs first.
--filter narrows the candidates before the draw. --write-list FILE saves the command lines of all selected tests as a list
for --list (with a header saying how they were drawn), so that CI can run a
fixed sample; --no-run stops after that.

The closing line is `N passed, M failed`: N counts tests that pass both natively
and relayed, M tests that pass natively but not relayed (with --native-only:
native passes and native non-passes, skips left out). Before it, those M
tests are grouped by the first error line of their output, largest group first,
so that the causes can be read off: the first line, stderr before stdout, that
is a message of gfxrelay or has an error word (error, fail, unsupported,
requires, probe, ...), passing over gfxrelay's "serving" line and, for a relayed
run, the lines of the native run's output; numbers, addresses and /tmp paths
are replaced so that like causes group together. --results-json also gets the
groups (summary.causes). The exit status is 0 when N > 0 and M / (N + M) <=
--max-fail-ratio, else 1 (2 for usage errors).

Only the Python standard library is used.
"""

import argparse
import ast
import collections
import concurrent.futures
import gzip
import json
import os
import random
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET

DEFAULT_PIGLIT_DIR = "/usr/lib/x86_64-linux-gnu/piglit"
DEFAULT_EGL_VENDOR = "/usr/share/glvnd/egl_vendor.d/50_mesa.json"
RESULTS = ("pass", "fail", "skip", "warn", "crash", "timeout")
PIGLIT_LINE = re.compile(r"^PIGLIT:\s*(\{.*\})\s*$")
TAIL_LINES = 15
PLATFORMS = ("surfaceless_egl", "glx")

# piglit's serialized test lists (its `all` profile, less the GLSL parser tests).
GL_PROFILE = "tests/opengl.xml.gz"
SHADER_PROFILE = "tests/shader.xml.gz"
# GLES or EGL programs. arb_es2_compatibility / arb_es3_compatibility test
# desktop-GL extensions and stay.
ES_PROGRAM = re.compile(r"gles|egl|essl|(?<!arb)_es[23]|^es[23]-", re.I)
ES_GROUP = re.compile(r"gles|egl|opengl es", re.I)
ES_FOLDER = re.compile(r"^glsl-es-|gles", re.I)
ES_REQUIRE = re.compile(r"^\s*(GL|GLSL)\s+ES\b")
# Lines of a failing test's output that likely name the cause: gfxrelay's own
# messages, and lines with these words ("requires" for skips).
ERROR_WORDS = re.compile(
    r"^gfxrelay|error|fail|abort|assert|fatal|segmentation|signal|unsupported|"
    r"not supported|cannot|can't|unable|invalid|mismatch|expected|probe|unknown|"
    r"missing|requires|not carried", re.I)
# Lines that say nothing about a failure.
NOISE_LINE = re.compile(r"^gfxrelay serve: (serving |direct X11 windows on )|^PIGLIT:")


def parse_args(argv):
    ap = argparse.ArgumentParser(
        description="Run piglit tests natively and relayed through gfxrelay, and compare.")
    ap.add_argument("--list", metavar="FILE",
                    help="test list: one command line per test, relative to the piglit dir")
    ap.add_argument("--sample", type=int, metavar="N",
                    help="also (or instead of --list) run N desktop-GL tests drawn at random "
                         "from piglit's own test lists (%s, %s)" % (GL_PROFILE, SHADER_PROFILE))
    ap.add_argument("--seed", type=int, metavar="S",
                    help="random seed for --sample (default: a random one; printed as "
                         "`seed: S`)")
    ap.add_argument("--write-list", metavar="FILE",
                    help="write the command lines of the selected tests to FILE, as a list "
                         "for --list")
    ap.add_argument("--no-run", action="store_true",
                    help="with --write-list: select and write the tests, run none")
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
                    help="run only the tests whose line matches REGEX (re.search); with "
                         "--sample, the draw is among those")
    ap.add_argument("--results-json", metavar="OUT",
                    help="write every result (with output tails) to OUT as JSON")
    ap.add_argument("--native-egl-vendor", metavar="JSON", default=DEFAULT_EGL_VENDOR,
                    help="glvnd EGL vendor file for native runs (default: %(default)s)")
    ap.add_argument("--platform", default="surfaceless_egl", choices=PLATFORMS,
                    help="PIGLIT_PLATFORM for every run (default: %(default)s); glx needs "
                         "an X server (DISPLAY): run under tests/integration/with_xvfb.sh")
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
    if args.list is None and args.sample is None:
        ap.error("give --list FILE, --sample N, or both")
    if args.sample is not None and args.sample < 1:
        ap.error("--sample must be at least 1")
    if args.seed is not None and args.sample is None:
        ap.error("--seed needs --sample")
    if args.no_run and not args.write_list:
        ap.error("--no-run needs --write-list")
    if args.sample is not None and args.seed is None:
        args.seed = random.SystemRandom().randrange(1 << 31)
    if not os.path.isdir(args.piglit_dir):
        ap.error("piglit dir not found: %s (use --piglit-dir)" % args.piglit_dir)
    args.piglit_dir = os.path.abspath(args.piglit_dir)
    if args.no_run:
        return args
    if args.platform == "glx" and not os.environ.get("DISPLAY"):
        ap.error("--platform glx needs an X server, but DISPLAY is not set; run this "
                 "under one, e.g. `sh tests/integration/with_xvfb.sh python3 %s ...`"
                 % sys.argv[0])
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


def parse_line(line):
    """A list line (already stripped, not a comment) as (line, argv)."""
    # Allow trailing comments ("bin/foo -auto  # why").
    line = re.sub(r"\s+#.*$", "", line)
    return line, shlex.split(line)


def read_list(path, filter_re):
    tests = []
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            try:
                line, argv = parse_line(line)
            except ValueError as e:
                raise SystemExit("%s:%d: %s" % (path, lineno, e))
            if filter_re and not filter_re.search(line):
                continue
            tests.append((line, argv))
    return tests


# ---- sampling from piglit's own test lists

def read_profile(path, keys):
    """Yields (name, type, options, has_env) for each Test of a piglit XML test
    list; options holds the evaluated values of those option names in keys."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for _, elem in ET.iterparse(f):
            if elem.tag != "Test":
                continue
            opts = {}
            for o in elem.findall("./option"):
                k = o.get("name")
                if k in keys:
                    try:
                        opts[k] = ast.literal_eval(o.get("value"))
                    except (ValueError, SyntaxError):
                        opts[k] = o.get("value")
            has_env = bool(elem.findall("./environment/env"))
            yield elem.get("name"), elem.get("type"), opts, has_env
            elem.clear()


def as_test(argv):
    """(line, argv) for a command, or None where the line would not read back
    the same from a list file."""
    line = " ".join(shlex.quote(a) for a in argv)
    try:
        if parse_line(line) != (line, argv):
            return None
    except ValueError:
        return None
    return line, argv


def program_candidates(args, filter_re):
    """Programs of bin/ as piglit runs them (tests/opengl.xml.gz), each as
    (strata keys, (line, argv))."""
    out = []
    bindir = os.path.join(args.piglit_dir, "bin")
    path = os.path.join(args.piglit_dir, GL_PROFILE)
    keys = ("command", "run_concurrent", "require_platforms", "exclude_platforms")
    for name, type_, opts, has_env in read_profile(path, keys):
        cmd = opts.get("command")
        if type_ != "gl" or has_env or not isinstance(cmd, list) or not cmd:
            continue
        # piglit runs the others without -fbo (on-screen window, front buffer,
        # several windows or threads, timing).
        if opts.get("run_concurrent") is not True:
            continue
        req = opts.get("require_platforms") or []
        if req and args.platform not in req:
            continue
        if args.platform in (opts.get("exclude_platforms") or []):
            continue
        parts = name.split("@")
        group = "@".join(parts[:2]) if parts[0] == "spec" and len(parts) > 2 else parts[0]
        if ES_PROGRAM.search(cmd[0]) or ES_GROUP.search(group):
            continue
        if not os.access(os.path.join(bindir, cmd[0]), os.X_OK):
            continue
        test = as_test(["bin/" + cmd[0]] + [str(a) for a in cmd[1:]] + ["-auto", "-fbo"])
        if test is None or (filter_re and not filter_re.search(test[0])):
            continue
        out.append(((group, cmd[0]), test))
    return out


def shader_candidates(args, filter_re):
    """shader_runner tests as piglit runs them (tests/shader.xml.gz), each as
    (strata keys, (line, argv))."""
    out = []
    path = os.path.join(args.piglit_dir, SHADER_PROFILE)
    for name, type_, opts, has_env in read_profile(path, ("command", "api")):
        cmd = opts.get("command")
        if type_ != "shader" or has_env or not isinstance(cmd, list) or len(cmd) != 2:
            continue
        if cmd[0] != "shader_runner" or opts.get("api") == "gles2":
            continue
        parts = cmd[1].split("/")
        if "spec" in parts[:-1]:
            i = parts.index("spec")
            folder, sub = parts[i + 1], "/".join(parts[i + 2:-1])
        else:
            # tests/shaders/..., tests/fast_color_clear/...
            folder, sub = ("/".join(parts[:2]), "/".join(parts[2:-1])) if len(parts) > 2 \
                else (parts[0], "")
        if any(ES_FOLDER.search(p) for p in parts[:-1]):
            continue
        if not os.path.isfile(os.path.join(args.piglit_dir, cmd[1])):
            continue
        test = as_test(["bin/shader_runner", cmd[1], "-auto", "-fbo"])
        if test is None or (filter_re and not filter_re.search(test[0])):
            continue
        out.append(((folder, sub), test))
    return out


def requires_es(path):
    """Whether the [require] section of a .shader_test file asks for GL ES."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            inside = False
            for line in f:
                if line.startswith("["):
                    if inside:
                        return False
                    inside = line.startswith("[require]")
                elif inside and ES_REQUIRE.match(line):
                    return True
    except OSError:
        return True
    return False


def spread(rng, items, depth=0):
    """Orders (keys, test) items so that the strata of keys[depth] take turns,
    in a random order, each giving its next test (itself spread by the next
    key, or shuffled at the last one)."""
    if not items:
        return []
    if depth >= len(items[0][0]):
        items = list(items)
        rng.shuffle(items)
        return items
    strata = collections.OrderedDict()
    for it in items:
        strata.setdefault(it[0][depth], []).append(it)
    queues = [spread(rng, v, depth + 1) for v in strata.values()]
    rng.shuffle(queues)
    out = []
    for i in range(max(len(q) for q in queues)):
        out.extend(q[i] for q in queues if i < len(q))
    return out


def draw_sample(args, filter_re, exclude):
    """N tests: about half programs, half shader tests, stratified. Returns
    (tests, description)."""
    for rel in (GL_PROFILE, SHADER_PROFILE):
        if not os.path.isfile(os.path.join(args.piglit_dir, rel)):
            print("error: --sample needs piglit's test list %s, not found in %s" % (
                rel, args.piglit_dir), file=sys.stderr)
            sys.exit(2)
    rng = random.Random(args.seed)
    programs = [it for it in program_candidates(args, filter_re) if it[1][0] not in exclude]
    shaders = [it for it in shader_candidates(args, filter_re) if it[1][0] not in exclude]
    prog_order = spread(rng, programs)
    shader_order = spread(rng, shaders)

    def take(order, n, check=None):
        got = []
        for keys, test in order:
            if len(got) >= n:
                break
            if check is None or check(test):
                got.append((keys, test))
        return got

    es_ok = lambda t: not requires_es(os.path.join(args.piglit_dir, t[1][1]))
    want_shaders = args.sample // 2
    # The kind that runs short leaves its share to the other.
    got_shaders = take(shader_order, want_shaders, es_ok)
    got_programs = take(prog_order, args.sample - len(got_shaders))
    if len(got_programs) + len(got_shaders) < args.sample:
        got_shaders = take(shader_order, args.sample - len(got_programs), es_ok)
    tests = sorted(t for _, t in got_programs) + sorted(t for _, t in got_shaders)
    desc = ("%d programs from %s (%d groups of %d), %d shader tests from %s "
            "(%d spec folders of %d)" % (
                len(got_programs), GL_PROFILE, len({k[0] for k, _ in got_programs}),
                len({k[0] for k, _ in programs}), len(got_shaders), SHADER_PROFILE,
                len({k[0] for k, _ in got_shaders}), len({k[0] for k, _ in shaders})))
    return tests, desc


def write_list(args, tests, desc):
    with open(args.write_list, "w", encoding="utf-8") as f:
        f.write("# piglit tests for run_piglit.py --list (command lines relative to the "
                "piglit dir)\n")
        if args.sample is not None:
            f.write("# drawn by run_piglit.py --sample %d --seed %d --platform %s%s\n" % (
                args.sample, args.seed, args.platform,
                " --filter %s" % shlex.quote(args.filter) if args.filter else ""))
            f.write("# from %s: %s\n" % (args.piglit_dir, desc))
        if args.list:
            f.write("# includes the tests of %s\n" % args.list)
        for line, _ in tests:
            f.write(line + "\n")


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
        if args.platform == "glx":
            self.native_env["__GLX_VENDOR_LIBRARY_NAME"] = "mesa"
        # gfxrelay run sets both vendor variables itself.
        self.relayed_env = dict(base)
        self.relayed_env.pop("__EGL_VENDOR_LIBRARY_FILENAMES", None)
        self.relayed_env.pop("__GLX_VENDOR_LIBRARY_NAME", None)

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
    tests = read_list(args.list, filter_re) if args.list else []
    desc = None
    if args.sample is not None:
        print("seed: %d" % args.seed, flush=True)
        sampled, desc = draw_sample(args, filter_re, {line for line, _ in tests})
        print("sample: %s" % desc, flush=True)
        tests += sampled
    if args.write_list:
        write_list(args, tests, desc)
        print("wrote %d tests to %s" % (len(tests), args.write_list), flush=True)
        if args.no_run:
            return 0
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
    if args.sample is not None:
        summary["seed"] = args.seed
    if args.native_only:
        n = native_counts["pass"]
        m = len(entries) - native_counts["pass"] - native_counts["skip"]
        bad = [e for e in entries if e["native"]["result"] not in ("pass", "skip")]
        if bad:
            print("not passing natively (%d):" % len(bad))
            for e in bad:
                print_failure(e, "native")
            summary["causes"] = print_causes(bad, "native", "native non-passes")
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
            summary["causes"] = print_causes(regressions, "relayed", "regressions")
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


def first_error_line(r, ignore=()):
    """The line of a run's output that most likely names the cause: the first
    line with an error word (stderr before stdout), else the first line; lines
    in ignore (those of the native run, for a relayed one) are passed over."""
    outs = []
    for name in ("stderr", "stdout"):
        lines = [ln.strip() for ln in r.get(name, "").splitlines()]
        outs.append([ln for ln in lines
                     if ln and not NOISE_LINE.match(ln) and ln not in ignore])
    for lines in outs:
        for ln in lines:
            if ERROR_WORDS.search(ln):
                return ln
    for lines in outs:
        if lines:
            return lines[0]
    return "(no message besides the PIGLIT result line; exit status %s)" % r.get("returncode")


def normalize_cause(line):
    """The line with what varies from test to test (numbers, addresses,
    temporary paths) replaced, so that like causes group together."""
    if line.startswith("(no message"):
        return line
    line = re.sub(r"/tmp/\S+", "/tmp/...", line)
    line = re.sub(r"(?<![\w.])0x[0-9a-fA-F]+(?!\w)", "0xN", line)
    line = re.sub(r"(?<![\w.])[-+]?\d+(\.\d+)*([eE][-+]?\d+)?(?!\w|\.\d)", "N", line)
    line = re.sub(r"\s+", " ", line)
    if len(line) > 160:
        line = line[:157] + "..."
    return line


def print_causes(failures, which, what):
    groups = collections.OrderedDict()
    for e in failures:
        ignore = set()
        if which != "native" and "native" in e:
            for name in ("stderr", "stdout"):
                ignore.update(ln.strip() for ln in e["native"].get(name, "").splitlines())
        line = first_error_line(e[which], ignore)
        key = "%s: %s" % (e[which].get("result"), normalize_cause(line))
        groups.setdefault(key, []).append((e, line))
    order = sorted(groups.items(), key=lambda kv: -len(kv[1]))
    print("%s by first error line (%d causes):" % (what, len(order)))
    for key, items in order:
        print("  %3d  %s" % (len(items), key))
        e, line = items[0]
        if normalize_cause(line) != line:
            print("       e.g. %s" % line)
        for e, _ in items[:5]:
            print("       %s" % e["test"])
        if len(items) > 5:
            print("       ... and %d more" % (len(items) - 5))
    return [{"cause": k, "count": len(items), "tests": [e["test"] for e, _ in items]}
            for k, items in order]


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
