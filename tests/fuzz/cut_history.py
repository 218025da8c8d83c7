#!/usr/bin/env python3
"""Cuts a fuzz_decoder finding's history (FUZZ_HISTORY_DIR) down to the commands it needs.

    tests/fuzz/cut_history.py build/bin/fuzz_decoder_replay HISTORY_DIR OUT_DIR

The last input of the history is the one that crashed. Delta debugging (ddmin) first over the
inputs before it, then over the commands of the inputs left (each input keeps its first byte,
which picks the context, and a malformed tail stays one piece). A try "crashes" when the replay
dies by a signal. OUT_DIR gets the inputs left (00000, ...); when they all use the same context,
also `one`: their commands in one input, checked to crash alone, ready for
tests/fuzz/regressions/decoder/.
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile


def ddmin(items, crashes):
    """The classic delta debugging loop: a smaller list for which crashes() still holds."""
    n = 2
    while len(items) >= 2:
        chunk = len(items) // n
        for i in range(n):
            end = (i + 1) * chunk if i < n - 1 else len(items)
            complement = items[:i * chunk] + items[end:]
            if crashes(complement):
                items = complement
                n = max(n - 1, 2)
                print(f"  {len(items)} left", flush=True)
                break
        else:
            if n >= len(items):
                break
            n = min(len(items), n * 2)
    return items


def commands(stream):
    """Splits a stream into commands by their headers (u32 opcode, u32 size)."""
    out, i = [], 0
    while i + 8 <= len(stream):
        size = struct.unpack_from("<II", stream, i)[1]
        if size < 8 or size % 8 or i + size > len(stream):
            out.append(stream[i:])
            break
        out.append(stream[i:i + size])
        i += size
    return out


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    replay, history, out_dir = sys.argv[1:]
    work = tempfile.mkdtemp(prefix="cut-history-")

    def run(inputs):
        shutil.rmtree(work)
        os.mkdir(work)
        paths = []
        for n, data in enumerate(inputs):
            paths.append(os.path.join(work, f"{n:05d}"))
            with open(paths[-1], "wb") as f:
                f.write(data)
        result = subprocess.run([replay] + paths, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        return result.returncode < 0 or result.returncode >= 128

    names = sorted(os.listdir(history))
    data = [open(os.path.join(history, n), "rb").read() for n in names]
    if not data or not run(data):
        sys.exit("cut_history: the history does not crash this replay")
    last = data[-1]
    print(f"inputs: {len(data)}", flush=True)
    before = ddmin(data[:-1], lambda subset: run(subset + [last]))
    kept = before + [last]
    # Commands, remembering which input each came from.
    pieces = [(n, c) for n, d in enumerate(kept) for c in commands(d[1:1 + (len(d) - 1) // 8 * 8])]
    heads = [d[:1] for d in kept]

    def assemble(subset):
        return [heads[n] + b"".join(c for m, c in subset if m == n) for n in range(len(kept))]

    print(f"commands: {len(pieces)}", flush=True)
    pieces = ddmin(pieces, lambda subset: run(assemble(subset)))
    os.makedirs(out_dir, exist_ok=True)
    result = assemble(pieces)
    for n, d in enumerate(result):
        with open(os.path.join(out_dir, f"{n:05d}"), "wb") as f:
            f.write(d)
    print(f"{len(pieces)} commands in {len(result)} inputs: {out_dir}")
    if len({h[0] & 1 for h in heads if h}) == 1:
        one = heads[0] + b"".join(c for _, c in pieces)
        if run([one]):
            with open(os.path.join(out_dir, "one"), "wb") as f:
                f.write(one)
            print(f"as one input: {os.path.join(out_dir, 'one')}")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
