#!/usr/bin/env python3
"""Seeds for the fuzzers, from real programs.

    make_seeds.py BUILD_DIR OUT_DIR

decoder: runs the demo, the test programs of tests/programs, piglit's GLES quick list
(tests/piglit/gles_quick.list) and one short run of glmark2 (GLX, desktop GL) and glmark2-es2
(EGL on X11, OpenGL ES) over their default scenes under a private Xvfb, relayed with
GFXRELAY_RECORD_DIR set, and cuts each recorded stream into inputs of at most 16 KiB at command
boundaries (first byte: 0 for an OpenGL ES context, 1 for OpenGL, as fuzz_decoder reads it).
control: session conversations as the guest library has them (Hello, ChooseConfig,
CreateSurface, CreateContext, DestroyContext, DestroySurface), for fuzz_control.
vulkan: vulkaninfo and the Vulkan test programs relayed on lavapipe (their Vulkan streams, cut
the same way, no first byte), for fuzz_vulkan.
"""
import os
import struct
import subprocess
import sys
import tempfile

PROGRAMS = [["gfxrelay-demo-gles3", "--frames", "3", "--out", "{tmp}/frames"],
            ["gfxrelay-test-debug_output"], ["gfxrelay-test-egl_images"],
            ["gfxrelay-test-shared_contexts"], ["gfxrelay-test-buffer_maps"]]
# Every default scene of glmark2 (one short run each, in a small window under Xvfb).
GLMARK2_SCENES = ["build", "texture", "shading", "bump", "effect2d", "pulsar", "desktop", "buffer",
                  "ideas", "jellyfish", "terrain", "shadow", "refract", "conditionals",
                  "function", "loop"]
MAX_INPUT = 16 << 10
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PIGLIT_DIR = "/usr/lib/x86_64-linux-gnu/piglit"


def commands(stream):
    at = 0
    while at + 8 <= len(stream):
        size = struct.unpack_from("<I", stream, at + 4)[0]
        if size < 8 or at + size > len(stream):
            return
        yield stream[at:at + size]
        at += size


def decoder_seeds(build, out):
    os.makedirs(out, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        record = os.path.join(tmp, "record")
        os.makedirs(record)
        env = dict(os.environ, GFXRELAY_RECORD_DIR=record)
        for program in PROGRAMS:
            argv = [a.format(tmp=tmp) for a in program]
            argv[0] = os.path.join(build, "bin", argv[0])
            subprocess.run([os.path.join(build, "bin", "gfxrelay"), "run", "--"] + argv,
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=300)
        scenes = [a for scene in GLMARK2_SCENES for a in ("-b", scene + ":duration=0.1")]
        for glmark2 in ("glmark2", "glmark2-es2"):
            subprocess.run(["sh", os.path.join(ROOT, "tests", "integration", "with_xvfb.sh"),
                            os.path.join(build, "bin", "gfxrelay"), "run", "--", glmark2,
                            "--size", "64x64"] + scenes,
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=600)
        sys.path.insert(0, os.path.join(ROOT, "tests", "piglit"))
        import run_piglit
        piglit_env = dict(env, PIGLIT_PLATFORM="surfaceless_egl", PIGLIT_SOURCE_DIR=PIGLIT_DIR)
        for _, argv in run_piglit.read_list(
                os.path.join(ROOT, "tests", "piglit", "gles_quick.list"), None):
            subprocess.run([os.path.join(build, "bin", "gfxrelay"), "run", "--",
                            os.path.join(PIGLIT_DIR, argv[0])] + argv[1:], cwd=PIGLIT_DIR,
                           env=piglit_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=300)
        count = 0
        for name in sorted(os.listdir(record)):
            if "-context" not in name:
                continue
            with open(os.path.join(record, name), "rb") as f:
                stream = f.read()
            api = b"\x01" if name.endswith("-gl.stream") else b"\x00"
            chunk = b""
            for command in commands(stream):
                if chunk and len(chunk) + len(command) > MAX_INPUT:
                    count += write(out, "%s-%05d" % (name, count), api + chunk)
                    chunk = b""
                chunk += command
            if chunk:
                count += write(out, "%s-%05d" % (name, count), api + chunk)
    return count


VULKAN_PROGRAMS = [["vulkaninfo", "--summary"], ["{build}/bin/gfxrelay-test-vk_compute"],
                   ["{build}/bin/gfxrelay-test-vk_triangle"],
                   ["{build}/bin/gfxrelay-test-vk_headless"],
                   ["{build}/bin/gfxrelay-test-vk_core"]]


def vulkan_seeds(build, out):
    os.makedirs(out, exist_ok=True)
    icds = "/usr/share/vulkan/icd.d"
    lavapipe = [f for f in sorted(os.listdir(icds)) if f.startswith("lvp_icd")]
    with tempfile.TemporaryDirectory() as tmp:
        # Pipeline cache data in parts of 5 bytes, so that the seeds hold that command too.
        env = dict(os.environ, GFXRELAY_RECORD_DIR=tmp, GFXRELAY_VK_CACHE_PART="5",
                   VK_DRIVER_FILES=os.path.join(icds, lavapipe[0]))
        env.pop("DISPLAY", None)
        for program in VULKAN_PROGRAMS:
            argv = [a.format(build=build) for a in program]
            subprocess.run([os.path.join(build, "bin", "gfxrelay"), "run", "--"] + argv, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
        count = 0
        for name in sorted(os.listdir(tmp)):
            with open(os.path.join(tmp, name), "rb") as f:
                stream = f.read()
            chunk = b""
            for command in commands(stream):
                if chunk and len(chunk) + len(command) > MAX_INPUT:
                    count += write(out, "%s-%05d" % (name, count), chunk)
                    chunk = b""
                chunk += command
            if chunk:
                count += write(out, "%s-%05d" % (name, count), chunk)
    return count


def write(folder, name, data):
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)
    return 1


def message(opcode, payload=b""):
    return struct.pack("<II", opcode, len(payload)) + payload


def attribs(pairs):
    return struct.pack("<I", len(pairs)) + b"".join(struct.pack("<ii", *p) for p in pairs)


def control_seeds(out):
    os.makedirs(out, exist_ok=True)
    hello = message(1, struct.pack("<III", 0x52584647, 2, 1))
    rgba = attribs([(0x3024, 8), (0x3023, 8), (0x3022, 8), (0x3021, 8)])
    surface = message(4, struct.pack("<II", 1, 0) + attribs([(0x3057, 16), (0x3056, 16)]))
    es3 = message(6, struct.pack("<IIII", 2, 0, 0, 0x30A0) + attribs([(0x3098, 3)]))
    gl = message(6, struct.pack("<IIII", 3, 0xFFFFFFFF, 0, 0x30A2) + attribs([]))
    shared = message(6, struct.pack("<IIII", 4, 0, 2, 0x30A0) + attribs([(0x3098, 3)]))
    seeds = {
        "hello": hello,
        "choose": hello + message(3, rgba),
        "surface": hello + surface + message(5, struct.pack("<I", 1)),
        "contexts": hello + surface + es3 + gl + shared + message(7, struct.pack("<I", 4)) +
                    message(7, struct.pack("<I", 2)) + message(10, struct.pack("<I", 9)),
    }
    for name, data in seeds.items():
        write(out, name, data)
    return len(seeds)


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    build, out = os.path.abspath(sys.argv[1]), sys.argv[2]
    print("decoder seeds: %d" % decoder_seeds(build, os.path.join(out, "decoder")))
    print("control seeds: %d" % control_seeds(os.path.join(out, "control")))
    print("vulkan seeds: %d" % vulkan_seeds(build, os.path.join(out, "vulkan")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
