#!/usr/bin/env python3
"""Turn the measurements bench/run collected into a Markdown report (on stdout).

usage: report.py RESULTS_DIR BPFNAV_PATH

RESULTS_DIR holds meta.tsv, one directory per size N and, unless the run skipped it, objects/ (the
BPF objects section). Each of those directories holds the hyperfine JSON of each comparison group
(<group>.json); rss.tsv (group, label, KiB), rows.tsv (group, label, rows) and stderr.tsv (group,
label, first stderr line of a competitor); failed.tsv (group, message); params.tsv (group,
"warmup min_runs"). A size directory also has pid, processes and threads; objects/ has
mapcount.tsv (group, BPF maps on the machine during that group). Labels carry BPFNAV_PATH, shown
as "bpfnav". In a group, commands whose label starts with "bpfnav " are bpfnav's; every one of
them is compared with every other command.
"""

import json
import os
import sys

# Per size: (group, competitor label, minimum ratio, how the goal is phrased). The bpfnav side is
# the group's first bpfnav command.
GOALS = [
    ("tasks", "ps -eo pid,ppid,uid,stat,comm", 30, "tasks ≥ 30x faster than `ps`"),
    ("files", "lsof -n -P", 15, "files ≥ 15x faster than `lsof -n -P`"),
    ("files", "sh -c 'ls -l /proc/[0-9]*/fd'", 5, "files ≥ 5x faster than `ls -l /proc/*/fd`"),
    ("vmas", "sh -c 'cat /proc/[0-9]*/maps'", 2, "VMAs ≥ 2x faster than `cat /proc/*/maps`"),
    ("files_pid", "lsof -p P", 50, "single-pid files ≥ 50x faster than `lsof -p`"),
]
GROUPS = ["tasks", "files", "vmas", "files_pid", "vmas_pid", "maps"]

# bench/run's net case: bpftool shows only its own namespace, so it runs in each of the five.
NET_COMPETITOR = ("sh -c 'for n in bpfnav-bench-1 bpfnav-bench-2 bpfnav-bench-3 bpfnav-bench-4 "
                  "bpfnav-bench-5; do ip netns exec $n bpftool net show -j; done'")

# BPF objects section: (group, bpfnav label, competitor label, minimum ratio or None, phrase).
# Rows without a minimum are shown for information.
OBJECT_GOALS = [
    ("maps_pinned", "bpfnav maps --json", "bpftool map list", 2,
     "maps ≥ 2x faster than `bpftool map list`, {maps_n} extra maps pinned in bpffs"),
    ("maps_held", "bpfnav maps --json", "bpftool map list", 2,
     "maps ≥ 2x faster than `bpftool map list`, {maps_n} extra maps held open by one process"),
    ("maps_few", "bpfnav maps --json", "bpftool map list", None,
     "maps vs `bpftool map list`, only the machine's own {maps_few} maps (start-up bound: no goal)"),
    ("startup", "bpfnav --help", "bpftool version", None,
     "start-up alone: `bpfnav --help` vs `bpftool version` (no goal)"),
    ("map_dump", "bpfnav map dump ID --json", "bpftool map dump id ID -j", 8,
     "map dump `--json` ≥ 8x faster than `bpftool map dump -j`, {dump_n} entries"),
    ("map_dump", "bpfnav map dump ID --ndjson", "bpftool map dump id ID -j", None,
     "map dump `--ndjson` vs `bpftool map dump -j`, {dump_n} entries (no goal)"),
    ("net", "bpfnav net --json", NET_COMPETITOR, 1,
     "`bpfnav net --json` at least as fast as `bpftool net show -j` run in each of 5 namespaces (50 devices)"),
]
OBJECT_GROUPS = ["startup", "maps_few", "maps_pinned", "maps_held", "map_dump", "net"]
OBJECT_SETUP = {
    "startup": "no BPF work: process start-up only",
    "maps_few": "the machine's own maps",
    "maps_pinned": "+ {maps_n} array maps pinned in bpffs",
    "maps_held": "+ {maps_n} array maps held open by one process",
    "map_dump": "a {dump_n}-entry hash map (u64 key, 24-byte value)",
    "net": "5 network namespaces, 10 veth ends each; xdpgeneric on 2 and a tc bpf filter on 2 of each",
}

RSS_LIMIT_KB = 20 * 1024      # 20 MiB
RSS_FLAT_KB = 2 * 1024        # "flat": grows by at most 2 MiB (10% of the budget)


def mib_delta(kb):
    """A signed MiB difference with one decimal, never "-0.0"."""
    v = round(kb / 1024, 1)
    return f"{v:+.1f}" if v != 0 else "+0.0"


def fx(r):
    """A ratio: one decimal, two below 0.1 (so that 0.04x does not read "0.0x")."""
    return f"{r:.1f}x" if r >= 0.095 else f"{r:.2f}x"


def num(n):
    """1000000 -> "1,000,000"."""
    return f"{int(n):,}"


def read_tsv(path, fields=2):
    rows = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.rstrip("\n")
                if line:
                    parts = line.split("\t", fields - 1)
                    if len(parts) == fields:
                        rows.append(parts)
    return rows


def is_bpfnav(label):
    return label.startswith("bpfnav ")


class Section:
    """The measurements of one directory: a size N, or the BPF objects section."""

    def __init__(self, d, groups, clean):
        self.results, self.params = {}, {}
        for g in groups:
            p = os.path.join(d, g + ".json")
            if not os.path.exists(p):
                continue
            with open(p) as f:
                data = json.load(f)
            self.results[g] = [
                {
                    "label": clean(r["command"]),
                    "mean": r["mean"],
                    "stddev": r.get("stddev") or 0.0,
                    "runs": len(r.get("times", [])),
                    "failures": sum(1 for c in (r.get("exit_codes") or []) if c != 0),
                }
                for r in data["results"]
            ]
        self.rss = {(g, clean(k)): int(v) for g, k, v in read_tsv(os.path.join(d, "rss.tsv"), 3)}
        self.rows = {(g, clean(k)): v for g, k, v in read_tsv(os.path.join(d, "rows.tsv"), 3)}
        self.stderr = {(g, clean(k)): v for g, k, v in read_tsv(os.path.join(d, "stderr.tsv"), 3)}
        self.failed = {g: clean(v) for g, v in read_tsv(os.path.join(d, "failed.tsv"))}
        self.params = {g: v.split() for g, v in read_tsv(os.path.join(d, "params.tsv"))}

    def pairs(self, group):
        """(bpfnav result, competitor result) for every bpfnav command × competitor."""
        res = self.results.get(group) or []
        ours = [r for r in res if is_bpfnav(r["label"])]
        theirs = [r for r in res if not is_bpfnav(r["label"])]
        return [(b, c) for b in ours for c in theirs]

    def ratio(self, group, competitor, bpfnav=None):
        for b, c in self.pairs(group):
            if c["label"] != competitor:
                continue
            if bpfnav is not None and b["label"] != bpfnav:
                continue
            if b["mean"] <= 0:
                return None
            return c["mean"] / b["mean"]
        return None

    def rss_labels(self, group=None):
        seen = []
        for (g, k) in self.rss:
            if (group is None or g == group) and k not in seen:
                seen.append(k)
        return seen


def goal_cell(r, need):
    if need is None:
        return f"**{fx(r)}** — no goal"
    return f"**{fx(r)}** — {'met' if r >= need else 'NOT met'}"


def main():
    root, bpfnav = sys.argv[1], sys.argv[2]

    def clean(label):
        return label.replace(bpfnav, "bpfnav")

    meta = dict(read_tsv(os.path.join(root, "meta.tsv")))
    sizes = [int(s) for s in meta["sizes"].split()]
    have_objects = meta.get("objects") == "1" and os.path.isdir(os.path.join(root, "objects"))

    sec, info = {}, {}
    for n in sizes:
        d = os.path.join(root, str(n))
        sec[n] = Section(d, GROUPS, clean)
        info[n] = {k: open(os.path.join(d, k)).read().strip() for k in ("pid", "processes", "threads")}
    obj = Section(os.path.join(root, "objects"), OBJECT_GROUPS, clean) if have_objects else None
    mapcount = dict(read_tsv(os.path.join(root, "objects", "mapcount.tsv"))) if have_objects else {}
    fmt = {
        "maps_n": num(meta.get("maps_n", 0)),
        "dump_n": num(meta.get("dump_n", 0)),
        "dump_small_n": num(meta.get("dump_small_n", 0)),
        "maps_few": mapcount.get("maps_few", "?"),
    }

    out = []
    w = out.append
    mem_gib = int(meta["memory_kb"]) / 1024 / 1024
    w("# bpfnav benchmark")
    w("")
    w(f"- **Date:** {meta['date']}")
    w(f"- **Machine:** {meta['cpu']}, {meta['cores']} cores, {mem_gib:.1f} GiB RAM; "
      f"kernel {meta['kernel']}; Debian {meta['debian']}")
    w(f"- **bpfnav commit:** {meta['commit']} (release build: a static executable)")
    w(f"- **Tools:** {meta['hyperfine']}; lsof {meta['lsof']}; {meta['procps']}; {meta['bpftool']}")
    w("")
    w("Each size N adds N idle processes from `bench/loadgen` (about 50 open fds and 30 extra "
      "mappings each) to what the machine already runs. Every comparison group is one hyperfine "
      f"run (`-N`, `--warmup {meta['warmup']}`, `--min-runs {meta['min_runs']}` unless noted, "
      "output to /dev/null). **Ratio = competitor mean / bpfnav mean** (higher is better for "
      "bpfnav). Peak RSS is the largest `/usr/bin/time -f %M` of 3 runs. `P` is one of loadgen's "
      "processes.")
    if have_objects:
        w("")
        w("The **BPF objects** section runs once, without loadgen: map listing with the machine's "
          f"own maps, with {fmt['maps_n']} extra array maps (pinned, then held open by one "
          f"process), and the dump of a {fmt['dump_n']}-entry hash map, all made by "
          "`bench/mapgen`.")
    if meta.get("cache_dir"):
        w("")
        w(f"bpfnav's program cache was the run's own (`BPFNAV_CACHE_DIR={meta['cache_dir']}`, "
          "removed at the end), warmed by a first run before any timing.")
    w("")

    # ---- Goals: ratios first.
    w("## Goals")
    w("")
    if sizes:
        w("| goal | " + " | ".join(f"N={n}" for n in sizes) + " |")
        w("|---|" + "---|" * len(sizes))
        for group, comp, need, text in GOALS:
            cells = []
            for n in sizes:
                r = sec[n].ratio(group, comp)
                if r is None:
                    why = sec[n].failed.get(group)
                    cells.append("not measured" + (" (bpfnav failed)" if why else ""))
                else:
                    cells.append(goal_cell(r, need))
            w(f"| {text} | " + " | ".join(cells) + " |")

        bp_labels = sorted({k for n in sizes for (_, k) in sec[n].rss if is_bpfnav(k)})
        cells = []
        for n in sizes:
            vals = [v for (_, k), v in sec[n].rss.items() if is_bpfnav(k)]
            if not vals:
                cells.append("not measured")
                continue
            top = max(vals)
            cells.append(f"max **{top / 1024:.1f} MiB** — {'met' if top <= RSS_LIMIT_KB else 'NOT met'}")
        w("| peak RSS of every bpfnav command ≤ 20 MiB | " + " | ".join(cells) + " |")
        if len(sizes) >= 2:
            lo, hi = min(sizes), max(sizes)
            growth = [sec[hi].rss[key] - sec[lo].rss[key]
                      for key in sec[lo].rss if is_bpfnav(key[1]) and key in sec[hi].rss]
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

    if obj is not None:
        w("BPF objects (run once):")
        w("")
        w("| goal | result |")
        w("|---|---|")
        for group, ours, comp, need, text in OBJECT_GOALS:
            r = obj.ratio(group, comp, ours)
            if r is None:
                cell = "not measured" + (" (bpfnav failed)" if group in obj.failed else "")
            else:
                cell = goal_cell(r, need)
            w(f"| {text.format(**fmt)} | {cell} |")
        vals = [v for (_, k), v in obj.rss.items() if is_bpfnav(k)]
        if vals:
            top = max(vals)
            w(f"| peak RSS of every bpfnav command ≤ 20 MiB | max **{top / 1024:.1f} MiB** — "
              f"{'met' if top <= RSS_LIMIT_KB else 'NOT met'} |")
        growth = []
        for fmt_flag in ("--json", "--ndjson"):
            big = obj.rss.get(("map_dump", f"bpfnav map dump ID {fmt_flag}"))
            small = obj.rss.get(("map_dump", f"bpfnav map dump SMALL {fmt_flag}"))
            if big is not None and small is not None:
                growth.append((big - small, big))
        if growth:
            worst, big = max(growth)
            ok = worst <= RSS_FLAT_KB and big <= RSS_LIMIT_KB
            w(f"| map dump peak RSS flat from {fmt['dump_small_n']} to {fmt['dump_n']} entries "
              f"(grows ≤ 2 MiB) | largest growth **{mib_delta(worst)} MiB** (peak "
              f"{big / 1024:.1f} MiB) — {'met' if ok else 'NOT met'} |")
        else:
            w(f"| map dump peak RSS flat from {fmt['dump_small_n']} to {fmt['dump_n']} entries | "
              "not measured |")
        w("")

    def detail_rows(s, groups, goal_for, setup=None):
        """The comparison table of one section, and its notes."""
        notes = []
        for g in groups:
            res = s.results.get(g)
            if not res:
                if g in s.failed:
                    w(f"| {g}: not measured |" + (" |" if setup else "") + " | | | | |")
                    notes.append(s.failed[g])
                continue
            for b in res:
                if is_bpfnav(b["label"]) and b["failures"]:
                    notes.append(f"`{b['label']}` exited non-zero in {b['failures']} of {b['runs']} "
                                 "runs (hyperfine -i); its times are not trustworthy.")
            for b, c in s.pairs(g):
                r = c["mean"] / b["mean"] if b["mean"] > 0 else float("nan")
                need = goal_for(s, g, b, c)
                goal = "—" if need is None else f"≥ {need}x: {'met' if r >= need else 'NOT met'}"
                if c["failures"]:
                    first = s.stderr.get((g, c["label"]))
                    note = (f"`{c['label']}` exited non-zero in {c['failures']} of {c['runs']} "
                            "runs (ignored with hyperfine -i)"
                            + (f"; its first error: `{first}`" if first else "") + ".")
                    if note not in notes:
                        notes.append(note)
                cells = [f"`{b['label']}` vs `{c['label']}`"]
                if setup:
                    cells.append(setup(g))
                cells += [f"**{fx(r)}**", goal,
                          f"{b['mean'] * 1000:.2f} ± {b['stddev'] * 1000:.2f}",
                          f"{c['mean'] * 1000:.2f} ± {c['stddev'] * 1000:.2f}",
                          f"{s.rows.get((g, b['label']), '?')} / {s.rows.get((g, c['label']), '?')}"]
                w("| " + " | ".join(cells) + " |")
        return notes

    def size_goal(s, g, b, c):
        first = next((r for r in s.results[g] if is_bpfnav(r["label"])), None)
        if first is None or b["label"] != first["label"]:
            return None
        return next((need for gg, cc, need, _ in GOALS if gg == g and cc == c["label"]), None)

    # ---- Per-size detail.
    for n in sizes:
        w(f"## N={n}")
        w("")
        w(f"{info[n]['processes']} processes, {info[n]['threads']} threads in total; P = {info[n]['pid']}.")
        w("")
        w("| comparison | ratio | goal | bpfnav mean ± σ (ms) | competitor mean ± σ (ms) | "
          "rows: bpfnav JSON / competitor lines (`-j`: JSON elements) |")
        w("|---|---:|---|---:|---:|---:|")
        notes = detail_rows(sec[n], GROUPS, size_goal)
        w("")
        for note in notes:
            w(f"- {note}")
        if notes:
            w("")

    # ---- BPF objects detail.
    if obj is not None:
        w("## BPF objects")
        w("")
        w("Run once, after the sizes, with no load processes. BPF maps on the machine during each "
          "group: " + ", ".join(f"{g} {mapcount[g]}" for g in OBJECT_GROUPS if g in mapcount) + ".")
        w("")
        w("| comparison | setup | ratio | goal | bpfnav mean ± σ (ms) | competitor mean ± σ (ms) | "
          "rows: bpfnav JSON / competitor lines (`-j`: JSON elements) |")
        w("|---|---|---:|---|---:|---:|---:|")

        def obj_goal(s, g, b, c):
            return next((need for gg, bb, cc, need, _ in OBJECT_GOALS
                         if gg == g and bb == b["label"] and cc == c["label"]), None)

        notes = detail_rows(obj, OBJECT_GROUPS, obj_goal, lambda g: OBJECT_SETUP[g].format(**fmt))
        w("")
        for g in OBJECT_GROUPS:
            p = obj.params.get(g)
            if p and (p[0] != meta["warmup"] or p[1] != meta["min_runs"]):
                notes.append(f"{g}: hyperfine `--warmup {p[0]} --min-runs {p[1]}` "
                             "(bpftool takes seconds per run).")

        # Start-up versus per-map cost of the listings.
        def mean(g, label):
            return next((r["mean"] for r in obj.results.get(g, []) if r["label"] == label), None)
        few_b, few_c = mean("maps_few", "bpfnav maps --json"), mean("maps_few", "bpftool map list")
        up_b, up_c = mean("startup", "bpfnav --help"), mean("startup", "bpftool version")
        if None not in (few_b, few_c, up_b, up_c):
            notes.append(
                f"With only the machine's own {fmt['maps_few']} maps the listing is dominated by "
                f"process start-up: `bpfnav --help` takes {up_b * 1000:.2f} ms of the "
                f"{few_b * 1000:.2f} ms of `bpfnav maps --json`, `bpftool version` "
                f"{up_c * 1000:.2f} ms of the {few_c * 1000:.2f} ms of `bpftool map list`. "
                f"Beyond start-up, bpfnav spends {(few_b - up_b) * 1000:.2f} ms and bpftool "
                f"{(few_c - up_c) * 1000:.2f} ms, so that ratio says more about start-up than "
                "about listing maps.")
        notes.append(
            "What is listed differs: Debian's `bpftool` 7.1 is built without skeletons "
            "(`bpftool version`: no `skeletons` feature), so `bpftool map list` shows no holder "
            "pids, and pinned paths only with `-f`. `bpfnav maps --json` always fills `pinned` "
            "(a walk of every bpffs) and `pids` (a pass over every fd table on the machine).")
        by_n = [(n, next((r["mean"] for r in sec[n].results.get("maps", [])
                          if r["label"] == "bpfnav maps --json"), None)) for n in sizes]
        by_n = [(n, m) for n, m in by_n if m is not None]
        if by_n and few_b is not None and few_c is not None:
            notes.append(
                "The `pids` pass grows with the number of processes and fds: `bpfnav maps --json` "
                f"over the machine's own maps took {few_b * 1000:.2f} ms here, without load "
                "processes, and " + ", ".join(f"{m * 1000:.2f} ms at N={n}" for n, m in by_n)
                + " (the per-size `maps` rows above), while `bpftool map list` stays near "
                f"{few_c * 1000:.2f} ms.")
        extra = int(meta.get("maps_n", 0) or 0)
        for g, how in (("maps_pinned", "pinned"), ("maps_held", "held by one process")):
            many_b, many_c = mean(g, "bpfnav maps --json"), mean(g, "bpftool map list")
            if None in (few_b, few_c, many_b, many_c) or not extra:
                continue
            notes.append(
                f"Cost per extra map ({how}), from the difference with the few-maps run: "
                f"bpfnav {(many_b - few_b) / extra * 1e6:.1f} µs, "
                f"bpftool {(many_c - few_c) / extra * 1e6:.1f} µs.")
        for note in notes:
            w(f"- {note}")
        if notes:
            w("")

    # ---- Peak RSS.
    if sizes:
        w("## Peak RSS (MiB, max of 3 runs)")
        w("")
        labels = []
        for n in sizes:
            for k in sec[n].rss_labels():
                if k not in labels:
                    labels.append(k)

        def size_rss(n, k):
            return next((v for (g, kk), v in sec[n].rss.items() if kk == k), None)

        head = "| command | " + " | ".join(f"N={n}" for n in sizes)
        if len(sizes) >= 2:
            head += f" | N={max(sizes)} − N={min(sizes)}"
        w(head + " |")
        w("|---|" + "---:|" * (len(sizes) + (1 if len(sizes) >= 2 else 0)))
        for k in labels:
            vals = [size_rss(n, k) for n in sizes]
            cells = [f"{v / 1024:.1f}" if v is not None else "—" for v in vals]
            if len(sizes) >= 2:
                lo, hi = size_rss(min(sizes), k), size_rss(max(sizes), k)
                cells.append(mib_delta(hi - lo) if lo is not None and hi is not None else "—")
            name = f"**`{k}`**" if is_bpfnav(k) else f"`{k}`"
            w(f"| {name} | " + " | ".join(cells) + " |")
        w("")

    if obj is not None:
        w("## Peak RSS, BPF objects (MiB, max of 3 runs)")
        w("")
        listing = [g for g in ("maps_few", "maps_pinned", "maps_held") if any(gg == g for gg, _ in obj.rss)]
        if listing:
            w("| command | " + " | ".join(OBJECT_SETUP[g].format(**fmt) for g in listing) + " |")
            w("|---|" + "---:|" * len(listing))
            seen = []
            for g in listing:
                for k in obj.rss_labels(g):
                    if k not in seen:
                        seen.append(k)
            for k in seen:
                cells = [f"{obj.rss[(g, k)] / 1024:.1f}" if (g, k) in obj.rss else "—" for g in listing]
                name = f"**`{k}`**" if is_bpfnav(k) else f"`{k}`"
                w(f"| {name} | " + " | ".join(cells) + " |")
            w("")
        dump = [k for k in obj.rss_labels("map_dump") if " ID " in k]
        if dump:
            w(f"| map dump | {fmt['dump_small_n']} entries | {fmt['dump_n']} entries | growth |")
            w("|---|---:|---:|---:|")
            for k in dump:
                big = obj.rss.get(("map_dump", k))
                small = obj.rss.get(("map_dump", k.replace(" ID", " SMALL")))
                name = f"**`{k}`**" if is_bpfnav(k) else f"`{k}`"
                w(f"| {name} | {small / 1024:.1f} | {big / 1024:.1f} | {mib_delta(big - small)} |"
                  if small is not None and big is not None else
                  f"| {name} | — | {big / 1024:.1f} | — |")
            w("")

    sys.stdout.write("\n".join(out))


if __name__ == "__main__":
    main()
