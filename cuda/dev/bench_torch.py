#!/usr/bin/env python3
"""PyTorch baselines of the eapo4j CUDA kernels (cuda/token_stats.cu, cuda/policy_loss.cu), same math, same shapes.

  token stats : log_softmax(z / tau) -> gather(y) and entropy -(p * logp).sum(-1)
  policy loss : clipped surrogate (+ dual clip) + entropy bonus, batch loss sum_t c_t l_t, autograd backward to
                dL/dlogits (bf16, like the logits)

Each op is timed in PyTorch eager and with torch.compile (dynamic shapes, so one compilation serves every V), with
CUDA events, median of --iters runs after warm-up. Rows are processed in chunks of --chunk rows (default 4096) so
that eager's fp32 [rows, V] temporaries fit in GPU memory at V = 151936; the time reported is for all N rows.
Also measures a device-to-device copy (torch clone) for a cross-check of the roofline measured by gpu_bench.

  python3 cuda/dev/bench_torch.py [--n 16384] [--v 32000 128256 151936] [--iters 5] [--json out.json]
                              [--budget-s 200]  (torch.compile runs are skipped once the budget is spent)
Needs only torch (and triton for torch.compile); no network.
"""
import argparse
import json
import os
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=16384)
    ap.add_argument("--v", type=int, nargs="+", default=[32000, 128256, 151936])
    ap.add_argument("--iters", type=int, default=5)
    ap.add_argument("--chunk", type=int, default=4096)
    ap.add_argument("--json", default=None)
    ap.add_argument("--budget-s", type=float, default=200.0)
    ap.add_argument("--no-compile", action="store_true")
    args = ap.parse_args()
    t_start = time.time()

    try:
        import torch
    except ImportError as e:
        why = f"PyTorch not importable ({e})"
    else:
        why = None if torch.cuda.is_available() else "no CUDA device visible to PyTorch"
    if why:
        print(f"SKIPPED: {why}")
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"skipped": why, "results": []}, f)
        return 0
    dev = torch.device("cuda")
    torch.backends.cuda.matmul.allow_tf32 = True
    tau, clip_low, clip_high, dual, eta = 1.0, 0.2, 0.28, 3.0, 0.01

    def token_stats(z, y):
        logp_all = torch.log_softmax(z.float() / tau, dim=-1)
        logp = logp_all.gather(-1, y[:, None]).squeeze(-1)
        ent = -(logp_all.exp() * logp_all).sum(-1)
        return logp, ent

    def policy_loss(z, y, old, adv, w, c):
        logp_all = torch.log_softmax(z.float() / tau, dim=-1)
        logp = logp_all.gather(-1, y[:, None]).squeeze(-1)
        ent = -(logp_all.exp() * logp_all).sum(-1)
        rho = torch.exp(torch.clamp(logp - old, -20.0, 20.0))
        rho_c = torch.clamp(rho, 1.0 - clip_low, 1.0 + clip_high)
        pg = torch.maximum(-adv * rho, -adv * rho_c)
        pg = torch.where(adv < 0, torch.minimum(pg, -adv * dual), pg)
        tok = w * pg - eta * ent
        return (c * tok).sum()

    def loss_fwd_bwd(fn, z, y, old, adv, w, c):
        zz = z.detach().requires_grad_(True)
        loss = fn(zz, y, old, adv, w, c)
        (g,) = torch.autograd.grad(loss, zz)
        return loss, g

    def median_ms(f, iters):
        for _ in range(2):
            f()
        torch.cuda.synchronize()
        out = []
        for _ in range(iters):
            a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            a.record()
            f()
            b.record()
            b.synchronize()
            out.append(a.elapsed_time(b))
        out.sort()
        return out[len(out) // 2]

    results = []
    props = torch.cuda.get_device_properties(0)
    print(f"device: {props.name}, torch {torch.__version__}, N = {args.n}, bf16, chunk {args.chunk} rows, "
          f"median of {args.iters}")

    # Copy cross-check (torch clone of the largest logits tensor): read + write bytes.
    vmax = max(args.v)
    big = torch.empty(args.n, vmax, dtype=torch.bfloat16, device=dev).normal_(0, 3)
    dst = torch.empty_like(big)
    ms = median_ms(lambda: dst.copy_(big), args.iters)
    copy_gbs = 2 * big.numel() * 2 / (ms * 1e-3) / 1e9
    print(f"torch copy_  {big.numel() * 2 / 1e6:.1f} MB: {ms:.3f} ms, {copy_gbs:.1f} GB/s")
    results.append({"kind": "copy", "v": 0, "impl": "torch copy_", "ms": ms, "gbs": copy_gbs})
    del dst

    compiled_stats = compiled_loss = None
    if not args.no_compile:
        try:
            import torch._dynamo  # noqa: F401
            compiled_stats = torch.compile(token_stats, dynamic=True)
            compiled_loss = torch.compile(policy_loss, dynamic=True)
        except Exception as e:  # pragma: no cover - depends on the installation
            print(f"torch.compile unavailable: {e}")

    out = {"device": props.name, "torch": torch.__version__, "n": args.n, "chunk": args.chunk,
           "iters": args.iters, "results": results}

    def save():  # after every result, so a run stopped by its time box still leaves what it measured
        if args.json:
            tmp = args.json + ".tmp"
            with open(tmp, "w") as f:
                json.dump(out, f, indent=1)
            os.replace(tmp, args.json)

    save()
    # All eager runs first (they are quick), then torch.compile (compilation is the slow part) until the budget.
    for impl, fs, fl in (("eager", token_stats, policy_loss), ("compile", compiled_stats, compiled_loss)):
        if fs is None:
            continue
        for V in args.v:
            z = big[:, :V].contiguous()
            g = torch.Generator(device=dev)
            g.manual_seed(V)
            y = torch.randint(0, V, (args.n,), device=dev, generator=g)
            old = torch.full((args.n,), -10.0, device=dev) + 0.5 * (torch.arange(args.n, device=dev) % 5)
            adv = torch.where(torch.arange(args.n, device=dev) % 2 == 1, 1.0, -0.7).float()
            w = torch.ones(args.n, device=dev)
            c = torch.full((args.n,), 1.0 / args.n, device=dev)  # no padding rows, as in gpu_bench
            chunks = [(s, min(args.n, s + args.chunk)) for s in range(0, args.n, args.chunk)]

            def run_stats(fn):
                for s, e in chunks:
                    fn(z[s:e], y[s:e])

            def run_loss(fn):
                for s, e in chunks:
                    loss_fwd_bwd(fn, z[s:e], y[s:e], old[s:e], adv[s:e], w[s:e], c[s:e])

            for kind, fn, runner in (("token_stats", fs, run_stats), ("policy_loss", fl, run_loss)):
                if impl == "compile" and time.time() - t_start > args.budget_s:
                    print(f"{kind:12s} V={V:<7d} {impl:8s} skipped: time budget of {args.budget_s:.0f} s spent")
                    results.append({"kind": kind, "v": V, "impl": impl, "ms": None, "skipped": "time budget"})
                    save()
                    continue
                try:
                    t0 = time.time()
                    ms = median_ms(lambda: runner(fn), args.iters)
                    print(f"{kind:12s} V={V:<7d} {impl:8s} {ms:9.3f} ms   (incl. warm-up/compile {time.time() - t0:.1f} s)",
                          flush=True)
                    results.append({"kind": kind, "v": V, "impl": impl, "ms": ms})
                except Exception as e:  # OOM or compile failure: record it and go on
                    msg = f"{type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}"
                    print(f"{kind:12s} V={V:<7d} {impl:8s} FAILED {msg}", flush=True)
                    results.append({"kind": kind, "v": V, "impl": impl, "ms": None, "error": msg})
                    torch.cuda.empty_cache()
                save()
            del z
            torch.cuda.empty_cache()
    return 0


if __name__ == "__main__":
    sys.exit(main())
