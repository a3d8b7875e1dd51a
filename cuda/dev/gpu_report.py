#!/usr/bin/env python3
"""Writes OUT/gpu-report.md for cuda/gpu-check.sh from its step table and the JSON of gpu_bench and bench_torch.py.

  python3 cuda/dev/gpu_report.py OUT STEPS_TSV ELAPSED_S LOGS_DIR

Fractions of copy bandwidth, ratios to the read-once + write-once ideal and speed-ups over PyTorch are computed
here from the measured numbers only; anything not measured is reported as n/a.
"""
import json, os, sys
out, status_file, elapsed, logs = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
def load(name):
    try:
        with open(os.path.join(out, name)) as f:
            return json.load(f)
    except Exception:
        return None
steps = [l.rstrip("\n").split("\t") for l in open(status_file) if l.strip()]
bench, torch_ = load("gpu_bench.json"), load("bench_torch.json")
L = ["# eapo4j GPU check", ""]
L.append(f"Total time: {elapsed} s. Device: {bench['device'] if bench else (torch_ or {}).get('device', 'unknown')}.")
L += ["", "## Steps", "", "| step | result | seconds | note |", "|---|---|---|---|"]
for s in steps:
    s += [""] * (4 - len(s))
    L.append(f"| {s[0]} | {s[1]} | {s[2]} | {s[3]} |")
def tail(name, n=6):
    p = os.path.join(logs, name + ".log")
    if not os.path.exists(p):
        return []
    lines = open(p, errors="replace").read().splitlines()
    return ["", f"`{name}` (last lines):", "", "```"] + lines[-n:] + ["```"]
L += tail("gpu-test", 8) + tail("gpu-test-variants", 8) + tail("sanitizer-memcheck", 4) + tail("sanitizer-racecheck", 4)
L += tail("sampling-test", 14) + tail("sanitizer-sampling", 6)
L += tail("adamw-test", 8) + tail("sanitizer-adamw", 6)
if bench:
    copy = bench["copy_gbs"]
    L += ["", "## Kernels vs the copy roofline (gpu_bench, same GPU, same run)", "",
          f"Device-to-device copy (cudaMemcpyAsync, read + write bytes / time): **{copy:.1f} GB/s**. "
          f"N = {bench['n']}, {bench['dtype']}, median of {bench['iters']}.", "",
          "| op | V | variant | ms | GB/s | fraction of copy BW | time / (read+write once at copy BW) |",
          "|---|---|---|---|---|---|---|"]
    for r in bench["results"]:
        if r["kind"] == "copy":
            continue
        L.append(f"| {r['kind']} | {r['v']} | {r['variant']} | {r['ms']:.3f} | {r['gbs']:.0f} | "
                 f"{100 * r['frac_copy']:.1f}% | {r['x_ideal']:.2f}x |")
tq = {}
if torch_:
    for r in torch_.get("results", []):
        if r.get("kind") != "copy":
            tq[(r["kind"], r["v"], r["impl"])] = r.get("ms")
if bench:
    L += ["", "## Targets and speed-ups over PyTorch", "",
          "Targets: token stats >= 85% of copy bandwidth; policy loss fwd+bwd <= 1.25x of read-once + write-once at "
          "copy bandwidth; policy loss >= 4x faster than PyTorch eager.", "",
          "| op | V | ours (ms) | fraction / x ideal | target | PyTorch eager (ms) | speed-up | torch.compile (ms) | speed-up |",
          "|---|---|---|---|---|---|---|---|---|"]
    vs = sorted({r["v"] for r in bench["results"] if r["kind"] != "copy"})
    for v in vs:
        ts = [r for r in bench["results"] if r["kind"] == "token_stats" and r["v"] == v]
        pl = [r for r in bench["results"] if r["kind"] == "policy_loss" and r["v"] == v
              and r["variant"].startswith("auto->")]
        def sp(kind, impl, ms):
            t = tq.get((kind, v, impl))
            return ("n/a", "n/a") if t is None else (f"{t:.3f}", f"{t / ms:.1f}x")
        if ts:
            r = ts[0]
            ok = "MET" if r["frac_copy"] >= 0.85 else "MISSED"
            e, c = sp("token_stats", "eager", r["ms"]), sp("token_stats", "compile", r["ms"])
            L.append(f"| token_stats | {v} | {r['ms']:.3f} | {100 * r['frac_copy']:.1f}% of copy | >= 85%: {ok} | "
                     f"{e[0]} | {e[1]} | {c[0]} | {c[1]} |")
        if pl:
            r = pl[0]
            ok = "MET" if r["x_ideal"] <= 1.25 else "MISSED"
            e, c = sp("policy_loss", "eager", r["ms"]), sp("policy_loss", "compile", r["ms"])
            t = tq.get(("policy_loss", v, "eager"))
            ok2 = "" if t is None else (" / 4x eager: MET" if t / r["ms"] >= 4 else " / 4x eager: MISSED")
            L.append(f"| policy_loss ({r['variant']}) | {v} | {r['ms']:.3f} | {r['x_ideal']:.2f}x ideal | "
                     f"<= 1.25x: {ok}{ok2} | {e[0]} | {e[1]} | {c[0]} | {c[1]} |")
if torch_ and torch_.get("results"):
    L += ["", f"PyTorch {torch_.get('torch', '?')}: rows processed in chunks of {torch_.get('chunk')} so that the fp32 "
          "temporaries of eager mode fit; times are for all rows. torch.compile uses dynamic shapes (one compilation "
          "for every V); compile time is excluded (warm-up)."]
    for r in torch_["results"]:
        if r.get("kind") == "copy":
            L.append(f"torch copy_ cross-check: {r['gbs']:.1f} GB/s.")
        elif r.get("ms") is None:
            L.append(f"- {r['kind']} V={r['v']} {r['impl']}: not measured ({r.get('error') or r.get('skipped')})")
L.append("")
with open(os.path.join(out, "gpu-report.md"), "w") as f:
    f.write("\n".join(L))
print("\n".join(L))
