#!/usr/bin/env python3
"""Boots two Linux guests under QEMU (TCG) with stock ivshmem devices and renders through
gfxrelay inside them.

    vm_test.py BUILD_DIR [--kernel VMLINUZ] [--list PIGLIT_LIST] [--bench] [--accel kvm]
               [--keep DIR]

The guests boot Debian's kernel (tests/vm/fetch_kernel.sh puts it in BUILD_DIR/vm/) and an
initramfs built here: busybox, `gfxrelay` and the guest library, the GLES 3 demo, the piglit
GLES tests of a list (tests/piglit/gles_quick.list unless --list), the files they read and every
library they load, copied from this machine. Each VM has its own region:

  VM a: ivshmem-doorbell through the server's ivshmem server (guests ring the host);
        renders the demo, then runs the piglit list;
  VM b: ivshmem-plain on a memory-backend-file (the host polls); a hostile process writes
        random bytes over its own slot, ring and transfer area and over the header (each
        session must end, logged by the host), then it renders the demo.

Both run at once, served by one `gfxrelay serve`. Passes when every hostile session ended,
every frame of each guest is byte-identical to the demo's frames rendered natively here, and
at least 95% of the piglit tests that pass natively here pass in the guest.
"""
import argparse
import hashlib
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "piglit"))
import run_piglit  # noqa: E402  (classify, list reading, the native runner)

PIGLIT_DIR = "/usr/lib/x86_64-linux-gnu/piglit"
MESA_VENDOR = "/usr/share/glvnd/egl_vendor.d/50_mesa.json"
DEMO_FRAMES = 6
REGION_SIZE = "256M"
BOOT_TIMEOUT = 900  # seconds for a whole guest run (TCG: the piglit list is most of it)
PASS_SHARE = 0.95

# ---- initramfs (newc cpio, written here: no cpio tool needed) ----


class Cpio:
    def __init__(self, path):
        self.out = open(path, "wb")
        self.ino = 1
        self.dirs = set()

    def _entry(self, name, mode, data=b""):
        name_bytes = name.encode() + b"\0"
        fields = [self.ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name_bytes), 0]
        self.ino += 1
        self.out.write(b"070701" + b"".join(b"%08X" % f for f in fields))
        self.out.write(name_bytes)
        self.out.write(b"\0" * ((4 - (110 + len(name_bytes)) % 4) % 4))
        self.out.write(data)
        self.out.write(b"\0" * ((4 - len(data) % 4) % 4))

    def directory(self, name):
        name = name.strip("/")
        if not name or name in self.dirs:
            return
        self.directory(os.path.dirname(name))
        self.dirs.add(name)
        self._entry(name, stat.S_IFDIR | 0o755)

    def file(self, name, data, mode=0o755):
        name = name.strip("/")
        self.directory(os.path.dirname(name))
        self._entry(name, stat.S_IFREG | mode, data)

    def symlink(self, name, target):
        name = name.strip("/")
        self.directory(os.path.dirname(name))
        self._entry(name, stat.S_IFLNK | 0o777, target.encode())

    def close(self):
        self._entry("TRAILER!!!", 0)
        self.out.close()


def shared_libraries(path):
    """The libraries `path` loads (ldd), as real paths, with the dynamic loader."""
    out = subprocess.run(["ldd", path], capture_output=True, text=True).stdout
    libs = []
    for line in out.splitlines():
        m = re.search(r"(/\S+) \(0x", line)
        if m:
            libs.append(m.group(1))
    return libs


class Image:
    """Files for the initramfs: a path in the guest -> a path here (copied as the real file,
    with links the libraries' names need)."""

    def __init__(self):
        self.files = {}

    def add(self, guest_path, host_path=None):
        self.files[guest_path] = host_path or guest_path

    def add_program(self, guest_path, host_path=None):
        host_path = host_path or guest_path
        self.add(guest_path, host_path)
        for lib in shared_libraries(host_path):
            self.add_library(lib)

    def add_library(self, lib):
        if lib in self.files:
            return
        self.add(lib)
        for dep in shared_libraries(lib):
            if dep not in self.files:
                self.add_library(dep)

    def write(self, cpio):
        for guest_path, host_path in sorted(self.files.items()):
            with open(os.path.realpath(host_path), "rb") as f:
                data = f.read()
            mode = 0o755 if os.access(host_path, os.X_OK) else 0o644
            cpio.file(guest_path, data, mode)


INIT = r"""#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /tmp
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
/bin/busybox mount -t devtmpfs dev /dev
/bin/busybox mount -t tmpfs tmp /tmp
/bin/busybox --install -s /bin
export PATH=/bin:/opt/gfxrelay/bin HOME=/tmp
job=$(sed -n 's/.*gfxrelay.job=\([a-z,]*\).*/\1/p' /proc/cmdline)
echo "GFXRELAY-VM booted job=$job"
for device in /sys/bus/pci/devices/*; do
  [ "$(cat $device/vendor)" = 0x1af4 ] && [ "$(cat $device/device)" = 0x1110 ] &&
    echo 1 > $device/enable 2>/dev/null
done
gfxrelay info 2>&1 | sed 's/^/GFXRELAY-INFO /'
case ",$job," in *,hostile,*)
  gfxrelay-test-vm-scribbler 2>&1 | grep '^GFXRELAY-SCRIBBLE'
esac
case ",$job," in *,frames,*)
  mkdir -p /tmp/frames
  gfxrelay run -- gfxrelay-demo-gles3 --frames FRAMES --out /tmp/frames 2>&1 |
    sed 's/^/GFXRELAY-DEMO /'
  for f in /tmp/frames/*.png; do
    echo "GFXRELAY-FRAME $(basename $f) $(sha256sum < $f | cut -d' ' -f1)"
  done
esac
case ",$job," in *,piglit,*)
  cd PIGLIT_DIR
  export PIGLIT_SOURCE_DIR=PIGLIT_DIR
  n=0
  while IFS= read -r command; do
    n=$((n + 1))
    eval "PIGLIT_PLATFORM=surfaceless_egl timeout 120 gfxrelay run -- $command" \
      < /dev/null > /tmp/out 2>&1
    rc=$?
    report=$(grep '^PIGLIT:' /tmp/out | tail -n 1)
    echo "GFXRELAY-PIGLIT $rc $report|$n"
    case "$report" in *'"pass"'*|*'"skip"'*) ;; *) tail -n 4 /tmp/out | sed 's/^/GFXRELAY-LOG /' ;; esac
  done < /piglit.list
  cd /
esac
case ",$job," in *,bench,*)
  GFXRELAY_BENCH_VM=1 gfxrelay_bench_micro --benchmark_min_time=2 \
    --benchmark_filter='sync_round_trip|texture_upload|memcpy_64mb' 2>&1 | sed 's/^/GFXRELAY-BENCH /'
esac
echo "GFXRELAY-VM done"
case ",$job," in *,shell,*)
  echo "a shell in the guest (gfxrelay info, gfxrelay run -- PROGRAM); exit powers off"
  setsid cttyhack sh
esac
poweroff -f
"""


def piglit_files(tests):
    """The files of piglit's folder the tests open (shader_runner scripts, textures) and the
    programs they start (glslparsertest starts its GLES 3 twin), found by running each
    natively under strace."""
    files, programs = set(), set()
    env = dict(os.environ, PIGLIT_PLATFORM="surfaceless_egl", PIGLIT_SOURCE_DIR=PIGLIT_DIR,
               __EGL_VENDOR_LIBRARY_FILENAMES=MESA_VENDOR)
    opened = re.compile(r'(open|openat|execve)\((?:AT_FDCWD, )?"([^"]+)".*= \d+$', re.M)
    with tempfile.NamedTemporaryFile() as trace:
        for _, argv in tests:
            subprocess.run(["strace", "-f", "-qq", "-e", "trace=open,openat,execve", "-o",
                            trace.name, os.path.join(PIGLIT_DIR, argv[0])] + argv[1:],
                           cwd=PIGLIT_DIR, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=120)
            with open(trace.name, encoding="utf-8", errors="replace") as f:
                for m in opened.finditer(f.read()):
                    path = os.path.normpath(os.path.join(PIGLIT_DIR, m.group(2)))
                    if not path.startswith(PIGLIT_DIR + "/") or not os.path.isfile(path):
                        continue
                    if m.group(1) == "execve":
                        programs.add(path)
                    elif not path.startswith((PIGLIT_DIR + "/bin/", PIGLIT_DIR + "/lib/")):
                        files.add(path)
    return sorted(files), sorted(programs)


def build_initramfs(build, piglit_tests, path, bench):
    image = Image()
    if bench:
        image.add_program("/opt/gfxrelay/bin/gfxrelay_bench_micro",
                          os.path.join(build, "bin", "gfxrelay_bench_micro"))
    image.add("/bin/busybox", shutil.which("busybox"))
    image.add_program("/opt/gfxrelay/bin/gfxrelay", os.path.join(build, "bin", "gfxrelay"))
    image.add_program("/opt/gfxrelay/bin/gfxrelay-demo-gles3",
                      os.path.join(build, "bin", "gfxrelay-demo-gles3"))
    image.add_program("/opt/gfxrelay/bin/gfxrelay-test-vm-scribbler",
                      os.path.join(build, "bin", "gfxrelay-test-vm-scribbler"))
    image.add_program("/opt/gfxrelay/lib/gfxrelay/libEGL_gfxrelay.so.0",
                      os.path.join(build, "lib", "gfxrelay", "libEGL_gfxrelay.so.0"))
    # GLVND (programs load libEGL / libGLESv2; waffle opens them by name).
    for lib in ("libEGL.so.1", "libGLESv2.so.2", "libGLdispatch.so.0", "libGL.so.1"):
        image.add_library(os.path.join("/usr/lib/x86_64-linux-gnu", lib))
    data_files, programs = piglit_files(piglit_tests)
    for program in programs:
        image.add_program(program)
    for data_file in data_files:
        image.add(data_file)
    cpio = Cpio(path)
    image.write(cpio)
    for lib_dir in ("/lib", "/lib64", "/usr/lib64"):
        if os.path.islink(lib_dir):
            cpio.symlink(lib_dir, os.readlink(lib_dir))
    init = INIT.replace("FRAMES", str(DEMO_FRAMES)).replace("PIGLIT_DIR", PIGLIT_DIR)
    cpio.file("/init", init.encode())
    # One command per line, quoted for the guest's shell (it runs them with eval).
    commands = "".join(" ".join(shlex.quote(a) for a in argv) + "\n" for _, argv in piglit_tests)
    cpio.file("/piglit.list", commands.encode(), 0o644)
    cpio.close()


# ---- the host side ----


class HostRenderer:
    """One `gfxrelay serve` for every VM's region: name -> whether it has the doorbell."""

    def __init__(self, gfxrelay, work, vms):
        cmd = [gfxrelay, "serve"]
        self.regions, self.sockets, self.qemu_args = {}, {}, {}
        for name, doorbell in vms.items():
            self.regions[name] = os.path.join(work, name + ".region")
            self.sockets[name] = os.path.join(work, name + ".ivshmem") if doorbell else None
            cmd += self.region_args(name)
        self.log = open(os.path.join(work, "serve.log"), "w")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        for name in vms:
            wait_for = self.sockets[name] or self.regions[name]
            while not os.path.exists(wait_for) or not os.path.getsize(self.regions[name]):
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("gfxrelay serve did not start (see %s)" % self.log.name)
                time.sleep(0.1)
            self.qemu_args[name] = subprocess.run(
                [gfxrelay, "vm-args"] + self.region_args(name), capture_output=True, text=True,
                check=True).stdout.split()

    def region_args(self, name):
        args = ["--ivshmem", self.regions[name], "--ivshmem-size", REGION_SIZE]
        if self.sockets[name]:
            args += ["--ivshmem-server", self.sockets[name]]
        return args

    def stop(self):
        self.proc.terminate()
        self.proc.wait()
        self.log.close()


def boot(kernel, initramfs, qemu_args, accel, job, log_path, result):
    cmd = ["qemu-system-x86_64", "-accel", accel, "-m", "768", "-smp", "1", "-nographic",
           "-no-reboot", "-monitor", "none", "-kernel", kernel, "-initrd", initramfs,
           "-append", "console=ttyS0 panic=-1 quiet loglevel=1 gfxrelay.job=" + job]
    cmd += qemu_args
    start = time.monotonic()
    with open(log_path, "w") as log:
        log.write("+ " + " ".join(cmd) + "\n")
        log.flush()
        try:
            proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, timeout=BOOT_TIMEOUT)
            output = proc.stdout.decode("utf-8", "replace")
        except subprocess.TimeoutExpired as e:
            output = (e.stdout or b"").decode("utf-8", "replace") + "\n(timed out)\n"
        log.write(output)
    result["output"] = output
    result["seconds"] = time.monotonic() - start


def native_frames(build, work):
    out = os.path.join(work, "native-frames")
    env = dict(os.environ, __EGL_VENDOR_LIBRARY_FILENAMES=MESA_VENDOR)
    env.pop("EGL_PLATFORM", None)
    subprocess.run([os.path.join(build, "bin", "gfxrelay-demo-gles3"), "--frames",
                    str(DEMO_FRAMES), "--out", out], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    frames = {}
    for name in sorted(os.listdir(out)):
        with open(os.path.join(out, name), "rb") as f:
            frames[name] = hashlib.sha256(f.read()).hexdigest()
    return frames


def native_piglit(build, tests):
    args = run_piglit.parse_args(["--list", "/dev/null", "--gfxrelay",
                                  os.path.join(build, "bin", "gfxrelay"), "--native-only"])
    runner = run_piglit.Runner(args)
    return {line: runner.run_one(argv, relayed=False)["result"] for line, argv in tests}


def guest_frames(output):
    return dict(re.findall(r"^GFXRELAY-FRAME (\S+) ([0-9a-f]{64})\s*$", output, re.M))


def guest_piglit(output, tests):
    """The guest's result of each test, by list line (the guest numbers them from 1)."""
    results = {}
    for m in re.finditer(r"^GFXRELAY-PIGLIT (\d+) (.*?)\|(\d+)\s*$", output, re.M):
        rc, report, number = int(m.group(1)), m.group(2), int(m.group(3))
        if 1 <= number <= len(tests):
            # The guest's shell reports a death by signal S as 128 + S, as `gfxrelay run` does.
            results[tests[number - 1][0]] = run_piglit.classify(report, rc, relayed=True)
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("build")
    ap.add_argument("--kernel", help="vmlinuz (default: BUILD/vm/vmlinuz)")
    ap.add_argument("--keep", help="keep logs and the initramfs in this folder")
    ap.add_argument("--bench", action="store_true",
                    help="also run bench/micro's round trip and upload benchmarks in each VM, "
                         "one VM after the other (BENCHMARKS.md)")
    ap.add_argument("--accel", default="tcg",
                    help="QEMU accelerator (default: %(default)s; kvm where /dev/kvm works)")
    ap.add_argument("--list", default=os.path.join(ROOT, "tests", "piglit", "gles_quick.list"),
                    help="piglit GLES tests to run in VM a (default: %(default)s)")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    kernel = args.kernel or os.path.join(build, "vm", "vmlinuz")
    if not args.kernel and not os.path.isfile(kernel):
        subprocess.run(["sh", os.path.join(HERE, "fetch_kernel.sh"), build])
    if not os.path.isfile(kernel):
        print("FAIL: no guest kernel at %s (tests/vm/fetch_kernel.sh %s fetches Debian's)"
              % (kernel, args.build))
        return 1
    for tool in ("qemu-system-x86_64", "busybox", "strace"):
        if not shutil.which(tool):
            print("FAIL: %s is not installed (scripts/setup.sh installs it)" % tool)
            return 1
    work = args.keep or tempfile.mkdtemp(prefix="gfxrelay-vm-")
    os.makedirs(work, exist_ok=True)
    tests = run_piglit.read_list(args.list, None)

    t0 = time.monotonic()
    initramfs = os.path.join(work, "initramfs.cpio")
    build_initramfs(build, tests, initramfs, args.bench)
    print("initramfs: %.1f MB in %.1f s" % (os.path.getsize(initramfs) / 1e6,
                                            time.monotonic() - t0))
    gfxrelay = os.path.join(build, "bin", "gfxrelay")
    doorbell = {"a": True, "b": False}
    host = HostRenderer(gfxrelay, work, doorbell)
    jobs = {"a": "frames,piglit", "b": "hostile,frames"}
    if args.bench:
        jobs = {name: job + ",bench" for name, job in jobs.items()}
    results = {name: {} for name in jobs}
    threads = [threading.Thread(target=boot, args=(kernel, initramfs, host.qemu_args[name],
                                                   args.accel, jobs[name],
                                                   os.path.join(work, name + ".console.log"),
                                                   results[name]))
               for name in jobs]
    try:
        # Native references first when benchmarking (nothing else runs then), else while the
        # guests run.
        if args.bench:
            reference = native_frames(build, work)
            native = native_piglit(build, tests)
        for t in threads:
            t.start()
            if args.bench:
                t.join()
        if not args.bench:
            reference = native_frames(build, work)
            native = native_piglit(build, tests)
        for t in threads:
            t.join()
    finally:
        host.stop()

    failed = False
    for name in sorted(jobs):
        out = results[name].get("output", "")
        print("== VM %s (%s, %s): %.0f s" % (name, jobs[name],
                                              "doorbell" if doorbell[name] else "polling",
                                              results[name].get("seconds", 0)))
        for line in out.splitlines():
            if line.startswith(("GFXRELAY-INFO connected", "GFXRELAY-INFO OpenGL ES profile renderer",
                                "GFXRELAY-DEMO", "GFXRELAY-LOG", "GFXRELAY-BENCH")):
                print("  " + line)
        if "GFXRELAY-VM done" not in out:
            print("FAIL: VM %s did not finish; its console is in %s" % (
                name, os.path.join(work, name + ".console.log")))
            print("\n".join(out.splitlines()[-15:]))
            failed = True
        scribbles = re.findall(r"^GFXRELAY-SCRIBBLE (\S+) (\S+)(.*)$", out, re.M)
        for target, outcome, reason in scribbles:
            print("  scribbled over its %s: session %s%s" % (target, outcome, reason and ":" + reason))
            failed |= outcome != "ended"
        if "hostile" in jobs[name] and len(scribbles) != 4:
            print("FAIL: VM %s reported %d of 4 hostile sessions" % (name, len(scribbles)))
            failed = True
        frames = guest_frames(out)
        for frame, digest in sorted(reference.items()):
            same = frames.get(frame) == digest
            print("  %s: %s" % (frame, "identical to native" if same else
                                 "MISSING" if frame not in frames else "DIFFERENT"))
            failed |= not same
        if len(frames) != len(reference):
            print("FAIL: VM %s wrote %d frames, natively %d" % (name, len(frames), len(reference)))
            failed = True

    # The host says why it ended each hostile session, and ended no other.
    with open(os.path.join(work, "serve.log"), encoding="utf-8", errors="replace") as f:
        serve_log = f.read().splitlines()
    ended = [line for line in serve_log if " ended: " in line]
    for line in ended:
        print("  host: " + line)
    if len(ended) != 4:
        print("FAIL: the host ended %d sessions, expected the 4 hostile ones" % len(ended))
        failed = True
    # VM a's guests woke the host through the doorbell (not only by its polls).
    rang = [int(m.group(1)) for line in serve_log
            for m in [re.search(r"a\.region rang the doorbell (\d+) times", line)] if m]
    print("  host: VM a rang the doorbell %s times" % (rang[0] if rang else "no"))
    if not rang or rang[0] == 0:
        print("FAIL: VM a never rang the host's doorbell")
        failed = True

    relayed = guest_piglit(results["a"].get("output", ""), tests)
    passing = [line for line, r in native.items() if r == "pass"]
    kept = [line for line in passing if relayed.get(line) == "pass"]
    for line in passing:
        if relayed.get(line) != "pass":
            print("  piglit in the VM: %-8s %s" % (relayed.get(line, "missing"), line))
    share = len(kept) / len(passing) if passing else 0.0
    print("piglit GLES (%s) in VM a: %d of the %d passing natively pass (%.1f%%; need %.0f%%)"
          % (os.path.basename(args.list), len(kept), len(passing), 100 * share, 100 * PASS_SHARE))
    if not passing or share < PASS_SHARE:
        failed = True
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    print("FAIL" if failed else "PASS")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
