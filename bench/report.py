#!/usr/bin/env python3
"""Turn the measurements bench/run collected into a Markdown report (on stdout).

usage: report.py RESULTS_DIR BPFNAV_PATH

RESULTS_DIR holds meta.tsv and one directory per size N with the hyperfine JSON of each comparison
group (<group>.json), rss.tsv (label, KiB), rows.tsv (label, rows), failed.tsv (group, message),
pid, processes and threads. Labels carry BPFNAV_PATH, shown as "bpfnav".
"""

import json
import os
import sys

# (group, competitor label, minimum ratio, how the goal is phrased)
GOALS = [
    ("tasks", "ps -eo pid,ppid,uid,stat,comm", 30, "tasks ≥ 30x faster than `ps`"),
    ("files", "lsof -n -P", 15, "files ≥ 15x faster than `lsof -n -P`"),
    ("files", "sh -c 'ls -l /proc/[0-9]*/fd'", 5, "files ≥ 5x faster than `ls -l /proc/*/fd`"),
    ("vmas", "sh -c 'cat /proc/[0-9]*/maps'", 2, "VMAs ≥ 2x faster than `cat /proc/*/maps`"),
    ("files_pid", "lsof -p P", 50, "single-pid files ≥ 50x faster than `lsof -p`"),
    ("maps", "bpftool map list", 2, "maps ≥ 2x faster than `bpftool map list` (later issue)"),
]
GROUPS = ["tasks", "files", "vmas", "files_pid", "vmas_pid", "maps"]
RSS_LIMIT_KB = 20 * 1024      # 20 MiB
RSS_FLAT_KB = 2 * 1024        # "flat": grows by at most 2 MiB (10% of the budget) from N=200 to N=2000


def mib_delta(kb):
    """A signed MiB difference with one decimal, never "-0.0"."""
    v = round(kb / 1024, 1)
    return f"{v:+.1f}" if v != 0 else "+0.0"


def read_tsv(path):
    rows = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.rstrip("\n")
                if line:
                    rows.append(line.split("\t", 1))
    return rows


def main():
    root, bpfnav = sys.argv[1], sys.argv[2]

    def clean(label):
        return label.replace(bpfnav, "bpfnav")

    meta = dict(read_tsv(os.path.join(root, "meta.tsv")))
    sizes = [int(s) for s in meta["sizes"].split()]

    # results[n][group] = list of {label, mean, stddev, runs, failures}
    results, rss, rows, failed, stderr, info = {}, {}, {}, {}, {}, {}
    for n in sizes:
        d = os.path.join(root, str(n))
        results[n] = {}
        for g in GROUPS:
            p = os.path.join(d, g + ".json")
            if not os.path.exists(p):
                continue
            with open(p) as f:
                data = json.load(f)
            results[n][g] = [
                {
                    "label": clean(r["command"]),
                    "mean": r["mean"],
                    "stddev": r.get("stddev") or 0.0,
                    "runs": len(r.get("times", [])),
                    "failures": sum(1 for c in (r.get("exit_codes") or []) if c != 0),
                }
                for r in data["results"]
            ]
        rss[n] = {clean(k): int(v) for k, v in read_tsv(os.path.join(d, "rss.tsv"))}
        rows[n] = {clean(k): v for k, v in read_tsv(os.path.join(d, "rows.tsv"))}
        failed[n] = {k: clean(v) for k, v in read_tsv(os.path.join(d, "failed.tsv"))}
        stderr[n] = {clean(k): v for k, v in read_tsv(os.path.join(d, "stderr.tsv"))}
        info[n] = {k: open(os.path.join(d, k)).read().strip() for k in ("pid", "processes", "threads")}

    def ratio(n, group, competitor):
        res = results[n].get(group)
        if not res:
            return None
        comp = next((r for r in res[1:] if r["label"] == competitor), None)
        if comp is None or res[0]["mean"] <= 0:
            return None
        return comp["mean"] / res[0]["mean"]

    out = []
    w = out.append
    mem_gib = int(meta["memory_kb"]) / 1024 / 1024
    w("# bpfnav benchmark")
    w("")
    w(f"- **Date:** {meta['date']}")
    w(f"- **Machine:** {meta['cpu']}, {meta['cores']} cores, {mem_gib:.1f} GiB RAM; "
      f"kernel {meta['kernel']}; Debian {meta['debian']}")
    w(f"- **bpfnav commit:** {meta['commit']} (release build, `--static-swift-stdlib`)")
    w(f"- **Tools:** {meta['hyperfine']}; lsof {meta['lsof']}; {meta['procps']}; {meta['bpftool']}")
    w("")
    w("Each size N adds N idle processes from `bench/loadgen` (about 50 open fds and 30 extra "
      "mappings each) to what the machine already runs. Every comparison group is one hyperfine "
      f"run (`-N`, `--warmup {meta['warmup']}`, `--min-runs {meta['min_runs']}`, output to "
      "/dev/null). **Ratio = competitor mean / bpfnav mean** (higher is better for bpfnav). "
      "Peak RSS is the largest `/usr/bin/time -f %M` of 3 runs. `P` is one of loadgen's processes.")
    w("")

    # ---- Goals: ratios first.
    w("## Goals")
    w("")
    w("| goal | " + " | ".join(f"N={n}" for n in sizes) + " |")
    w("|---|" + "---|" * len(sizes))
    for group, comp, need, text in GOALS:
        cells = []
        for n in sizes:
            r = ratio(n, group, comp)
            if r is None:
                why = failed[n].get(group)
                cells.append("not measured" + (" (bpfnav failed)" if why else ""))
            else:
                cells.append(f"**{r:.1f}x** — {'met' if r >= need else 'NOT met'}")
        w(f"| {text} | " + " | ".join(cells) + " |")

    bp_labels = sorted({k for n in sizes for k in rss[n] if k.startswith("bpfnav ")})
    cells = []
    for n in sizes:
        vals = [rss[n][k] for k in bp_labels if k in rss[n]]
        if not vals:
            cells.append("not measured")
            continue
        top = max(vals)
        cells.append(f"max **{top / 1024:.1f} MiB** — {'met' if top <= RSS_LIMIT_KB else 'NOT met'}")
    w("| peak RSS of every bpfnav command ≤ 20 MiB | " + " | ".join(cells) + " |")
    if len(sizes) >= 2:
        lo, hi = min(sizes), max(sizes)
        growth = [rss[hi][k] - rss[lo][k] for k in bp_labels if k in rss[lo] and k in rss[hi]]
        if growth:
            worst = max(growth)
            flat = f"largest growth **{mib_delta(worst)} MiB** — " + \
                ("met" if worst <= RSS_FLAT_KB else "NOT met")
        else:
            flat = "not measured"
        cells = ["—"] * (len(sizes) - 1) + [flat]
        w(f"| bpfnav peak RSS flat from N={lo} to N={hi} (grows ≤ 2 MiB) | " + " | ".join(cells) + " |")
    else:
        w("| bpfnav peak RSS flat from N=200 to N=2000 | needs two sizes (run `bench/run`) |"
          + " |" * (len(sizes) - 1))
    w("")

    # ---- Per-size detail.
    for n in sizes:
        w(f"## N={n}")
        w("")
        w(f"{info[n]['processes']} processes, {info[n]['threads']} threads in total; P = {info[n]['pid']}.")
        w("")
        w("| comparison | ratio | goal | bpfnav mean ± σ (ms) | competitor mean ± σ (ms) | rows: bpfnav JSON / competitor lines |")
        w("|---|---:|---|---:|---:|---:|")
        notes = []
        for g in GROUPS:
            res = results[n].get(g)
            if not res:
                if g in failed[n]:
                    w(f"| {g}: not measured | | | | | |")
                    notes.append(failed[n][g])
                continue
            b = res[0]
            if b["failures"]:
                notes.append(f"`{b['label']}` exited non-zero in {b['failures']} of {b['runs']} runs "
                             "(hyperfine -i); its times are not trustworthy.")
            for c in res[1:]:
                r = c["mean"] / b["mean"] if b["mean"] > 0 else float("nan")
                goal = next((f"≥ {need}x: {'met' if r >= need else 'NOT met'}"
                             for gg, cc, need, _ in GOALS if gg == g and cc == c["label"]), "—")
                if c["failures"]:
                    first = stderr[n].get(c["label"])
                    notes.append(f"`{c['label']}` exited non-zero in {c['failures']} of {c['runs']} "
                                 "runs (ignored with hyperfine -i)"
                                 + (f"; its first error: `{first}`" if first else "") + ".")
                w(f"| `{b['label']}` vs `{c['label']}` | **{r:.1f}x** | {goal} | "
                  f"{b['mean'] * 1000:.2f} ± {b['stddev'] * 1000:.2f} | "
                  f"{c['mean'] * 1000:.2f} ± {c['stddev'] * 1000:.2f} | "
                  f"{rows[n].get(b['label'], '?')} / {rows[n].get(c['label'], '?')} |")
        w("")
        for note in notes:
            w(f"- {note}")
        if notes:
            w("")

    # ---- Peak RSS.
    w("## Peak RSS (MiB, max of 3 runs)")
    w("")
    labels = []
    for n in sizes:
        for k in rss[n]:
            if k not in labels:
                labels.append(k)
    head = "| command | " + " | ".join(f"N={n}" for n in sizes)
    if len(sizes) >= 2:
        head += f" | N={max(sizes)} − N={min(sizes)}"
    w(head + " |")
    w("|---|" + "---:|" * (len(sizes) + (1 if len(sizes) >= 2 else 0)))
    for k in labels:
        vals = [rss[n].get(k) for n in sizes]
        cells = [f"{v / 1024:.1f}" if v is not None else "—" for v in vals]
        if len(sizes) >= 2:
            lo, hi = rss[min(sizes)].get(k), rss[max(sizes)].get(k)
            cells.append(mib_delta(hi - lo) if lo is not None and hi is not None else "—")
        name = f"**`{k}`**" if k.startswith("bpfnav ") else f"`{k}`"
        w(f"| {name} | " + " | ".join(cells) + " |")
    w("")
    sys.stdout.write("\n".join(out))


if __name__ == "__main__":
    main()
