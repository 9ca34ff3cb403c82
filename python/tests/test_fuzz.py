"""A few thousand damaged files (truncated, bit-flipped, absurd header numbers) made from
every real force-curve file: opening, reading curves and analysing them from Python raise
vegard's exceptions or give error rows and flagged curves; the interpreter never crashes
(the loop runs in a child process, so a crash is seen as its exit status)."""

import subprocess
import sys
import textwrap

from conftest import force_curve_files

FUZZ = textwrap.dedent(
    r"""
    import os, random, sys, vegard
    seeds = sys.argv[2:]
    out = sys.argv[1]
    rng = random.Random(20261207)
    n_files = n_open_errors = n_read_errors = n_analysed = 0
    unexpected = []
    per_seed = int(os.environ.get("FUZZ_PER_SEED", "120"))
    for seed in seeds:
        data = open(seed, "rb").read()
        ext = os.path.splitext(seed)[1]
        batch = []
        for k in range(per_seed):
            b = bytearray(data)
            how = k % 4
            if how == 0:      # truncated anywhere
                b = b[: rng.randrange(0, len(b))]
            elif how == 1:    # bit flips
                for _ in range(rng.randrange(1, 16)):
                    i = rng.randrange(len(b)); b[i] ^= 1 << rng.randrange(8)
            elif how == 2:    # absurd numbers in the first 4 KiB (headers, sizes, offsets)
                for _ in range(rng.randrange(1, 6)):
                    i = rng.randrange(min(len(b), 4096)); b[i:i + 4] = rng.choice([b"\xff\xff\xff\x7f", b"9999", b"\x00\x00\x00\x00", b"-1e9"])
            else:             # a block of garbage in the middle
                i = rng.randrange(len(b)); b[i:i + 64] = bytes(rng.randrange(256) for _ in range(64))
            p = os.path.join(out, f"{os.path.basename(seed)}.{k}{ext}")
            with open(p, "wb") as f:
                f.write(b)
            n_files += 1
            try:
                ds = vegard.open(p)
                if ds.kind == "curves" and len(ds):
                    for i in {0, len(ds) - 1}:
                        try:
                            ds.curve(i)
                        except vegard.VegardError:
                            n_read_errors += 1
                repr(ds); ds.metadata
            except vegard.VegardError:
                n_open_errors += 1
            except Exception as e:
                unexpected.append(f"{p}: {type(e).__name__}: {e}")
            batch.append(p)
        try:
            r = vegard.nanomech.analyse(batch, model="hertz-paraboloid", tip_radius="1um", poisson=0.5)
            n_analysed += len(r.files)
            assert len(r.files) + len(r.errors) == len(batch)
        except Exception as e:
            unexpected.append(f"analyse {seed}: {type(e).__name__}: {e}")
        for p in batch:
            os.remove(p)
    print(n_files, n_open_errors, n_read_errors, n_analysed)
    for u in unexpected[:20]:
        print("UNEXPECTED", u)
    sys.exit(1 if unexpected else 0)
    """
)


def test_damaged_files_never_crash_python(tmp_path):
    seeds = [str(f) for f in force_curve_files() if f.stat().st_size < 3_000_000]
    assert len(seeds) >= 15
    script = tmp_path / "fuzz.py"
    script.write_text(FUZZ)
    work = tmp_path / "work"
    work.mkdir()
    run = subprocess.run([sys.executable, str(script), str(work), *seeds], capture_output=True, text=True, timeout=1200)
    assert run.returncode == 0, f"exit {run.returncode}\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    n_files, n_open_errors, n_read_errors, n_analysed = map(int, run.stdout.split()[:4])
    assert n_files >= 2000, n_files
    # Both paths were exercised: damaged files refused with a message, and damaged files read.
    assert n_open_errors > 100 and n_analysed > 100, run.stdout
