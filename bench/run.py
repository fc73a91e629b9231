#!/usr/bin/env python3
"""Portico's benchmark harness (issue 8).

    bench/run --size M [--db postgres] [--smoke] [--bin target/debug/portico]

Generates (or reuses) a world with `portico demo`, starts `portico serve` on
loopback with its own data folder, and measures, each load bounded in time:
the access decision and access-set build (the criterion bench of
portico-core, full mode only), page views over HTTP as a member and as a
one-space guest (wrk, 64 connections), the recently-updated feed, page saves,
search (skipped with "not available (404)" while the endpoint answers 404),
the server's peak RSS, and an axum hello world as the machine's ceiling.
Writes bench/results/<size>-<db>.json and .md. Standard library only.
"""

import argparse
import base64
import datetime
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")

# Targets at size L on SQLite (issue 8).
TARGETS = {
    "generation_seconds": ("world generation (`portico demo`)", "L < 15 min", lambda v: v < 900),
    "decision_p50_us": ("access decision p50", "< 1 µs", lambda v: v < 1.0),
    "access_set_ms": ("building an access set (5,000 spaces)", "—", None),
    "view_member_rps": ("page view, member: throughput", ">= 20,000 req/s", lambda v: v >= 20_000),
    "view_member_p99_ms": ("page view, member: p99", "< 20 ms", lambda v: v < 20),
    "view_guest_rps": ("page view, guest: throughput", ">= 20,000 req/s", lambda v: v >= 20_000),
    "view_guest_p99_ms": ("page view, guest: p99", "< 20 ms", lambda v: v < 20),
    "feed_p95_ms": ("recently-updated feed p95", "< 10 ms", lambda v: v < 10),
    "save_p95_ms": ("page save p95", "< 20 ms", lambda v: v < 20),
    "rss_mib": ("server peak RSS (VmHWM)", "< 1024 MiB", lambda v: v < 1024),
}
for who in ("member", "guest"):
    for words in (1, 2):
        TARGETS[f"search_{who}_{words}w_p95_ms"] = (
            f"search p95, {who}, {words}-word", "< 30 ms", lambda v: v < 30)


def log(message):
    print(f"== {message}", flush=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(port, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing answers on port {port}")


def percentile(values, p):
    ordered = sorted(values)
    if not ordered:
        return None
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


class Client:
    """One keep-alive connection, as one person's browser or API client."""

    def __init__(self, port, account=None):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {}
        if account:
            pair = f"{account['email']}:{account['token']}".encode()
            self.headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()

    def call(self, method, path, body=None):
        headers = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        payload = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        return response.status, payload, elapsed


def timed(seconds, max_samples, step):
    """Runs step() until the time or sample budget is spent; latencies in ms."""
    latencies = []
    deadline = time.time() + seconds
    while time.time() < deadline and len(latencies) < max_samples:
        latencies.append(step())
    return latencies


def summary(latencies):
    return {
        "samples": len(latencies),
        "p50_ms": round(percentile(latencies, 50), 3),
        "p95_ms": round(percentile(latencies, 95), 3),
        "p99_ms": round(percentile(latencies, 99), 3),
    }


def wrk(port, seconds, ids_file=None, account=None, path=None):
    env = dict(os.environ)
    env.pop("BENCH_IDS", None)
    if ids_file:
        env["BENCH_IDS"] = ids_file
    if account:
        pair = f"{account['email']}:{account['token']}".encode()
        env["BENCH_AUTH"] = "Basic " + base64.b64encode(pair).decode()
    if path:
        env["BENCH_PATH"] = path
    out = subprocess.run(
        ["wrk", "-t2", "-c64", f"-d{seconds}s", "--timeout", "10s",
         "-s", os.path.join(ROOT, "bench", "pages.lua"), f"http://127.0.0.1:{port}/"],
        env=env, capture_output=True, text=True, check=True, timeout=seconds + 60).stdout
    for line in out.splitlines():
        if line.startswith("BENCH "):
            result = json.loads(line[6:])
            if result["requests"] == 0 or result["non2xx"] > 0 or result["socket_errors"] > 0:
                raise RuntimeError(f"wrk saw errors: {result}")
            return result
    raise RuntimeError(f"no result from wrk:\n{out}")


def vm_hwm_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return None


def criterion(smoke):
    """Runs portico-core's policy bench and reads the medians (µs)."""
    if smoke:
        return {}
    log("micro-benchmarks: cargo bench -p portico-core --bench policy")
    subprocess.run(
        ["cargo", "bench", "-p", "portico-core", "--bench", "policy", "--",
         "--warm-up-time", "1", "--measurement-time", "3"],
        cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    found = {}
    base = os.path.join(ROOT, "target", "criterion")
    for name in os.listdir(base):
        path = os.path.join(base, name, "new", "estimates.json")
        if os.path.exists(path):
            with open(path) as estimates:
                found[name] = json.load(estimates)["median"]["point_estimate"] / 1000
    figures = {}
    for name, micros in found.items():
        if name.startswith("AccessSet__decide"):
            figures["decision_p50_us"] = round(micros, 4)
        elif name.startswith("access_set"):
            figures["access_set_ms"] = round(micros / 1000, 3)
    figures["criterion_medians_us"] = {k: round(v, 4) for k, v in sorted(found.items())}
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="S", choices=["S", "M", "L"])
    parser.add_argument("--db", default="sqlite", choices=["sqlite", "postgres"])
    parser.add_argument("--smoke", action="store_true",
                        help="1 s per measurement, no micro-benchmarks, targets not enforced")
    parser.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "portico"))
    parser.add_argument("--hello", default=None,
                        help="the hello-world binary (default: portico-hello beside --bin)")
    parser.add_argument("--seconds", type=float, default=None, help="per measurement")
    parser.add_argument("--fresh", action="store_true", help="regenerate the world")
    parser.add_argument("--work", default=os.path.join(ROOT, "target", "bench"),
                        help="where worlds and server data folders live")
    args = parser.parse_args()
    seconds = args.seconds or (1 if args.smoke else 10)
    hello_bin = args.hello or os.path.join(os.path.dirname(args.bin), "portico-hello")
    for binary in (args.bin, hello_bin):
        if not os.access(binary, os.X_OK):
            sys.exit(f"bench: `{binary}` is missing; build it with "
                     "cargo build --release -p portico -p portico-demo --bins")
    name = f"{args.size}-{args.db}" + ("-smoke" if args.smoke else "")
    data = os.path.join(args.work, name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTICO_")}
    env["PORTICO_LOG"] = "warn"
    if args.db == "postgres":
        database = f"portico_bench_{name.lower().replace('-', '_')}"
        env["PORTICO_DATABASE_URL"] = f"{PG_SERVER}/{database}"
    figures = {"generation_seconds": None}
    started_at = datetime.datetime.now(datetime.timezone.utc)

    world_file = os.path.join(data, "demo.json")
    if args.fresh or not os.path.exists(world_file):
        shutil.rmtree(data, ignore_errors=True)
        os.makedirs(data)
        if args.db == "postgres":
            subprocess.run(["psql", "-d", f"{PG_SERVER}/postgres", "-qc",
                            f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"], check=True)
            subprocess.run(["psql", "-d", f"{PG_SERVER}/postgres", "-qc",
                            f"CREATE DATABASE {database}"], check=True)
        log(f"generating world {args.size} on {args.db} into {data}")
        began = time.time()
        subprocess.run([args.bin, "--data", data, "demo", "--size", args.size],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        figures["generation_seconds"] = round(time.time() - began, 1)
    else:
        log(f"reusing world {world_file}")
    with open(world_file) as handle:
        world = json.load(handle)
    figures["generation_seconds"] = round(world["seconds"], 1)

    # A build with search (`portico reindex`) indexes the world once before it
    # serves, so the first query doesn't pay for a million-page catch-up.
    marker = os.path.join(data, ".bench-reindexed")
    usage = subprocess.run([args.bin, "--help"], capture_output=True, text=True, env=env).stdout
    if "reindex" in usage and not os.path.exists(marker):
        log("building the search index: portico reindex")
        began = time.time()
        subprocess.run([args.bin, "--data", data, "reindex"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        figures["reindex_seconds"] = round(time.time() - began, 1)
        open(marker, "w").close()

    processes = []
    try:
        port = free_port()
        server = subprocess.Popen([args.bin, "--data", data, "serve", "--listen", f"127.0.0.1:{port}"],
                                  env=env, stdout=subprocess.DEVNULL)
        processes.append(server)
        hello_port = free_port()
        hello = subprocess.Popen([hello_bin, f"127.0.0.1:{hello_port}"], stdout=subprocess.DEVNULL)
        processes.append(hello)
        wait_http(port)
        wait_http(hello_port)
        log(f"portico serve on 127.0.0.1:{port} (pid {server.pid}); hello world on {hello_port}")

        figures.update(criterion(args.smoke))
        # Read after the micro-benchmarks (which may compile), just before
        # the loads: what else was using the cores while they ran.
        with open("/proc/loadavg") as handle:
            figures["load_average_before"] = handle.read().strip()
        figures["cpu_busy_before"] = cpu_busy_share(1.0)

        ids = {}
        for who in ("member", "guest"):
            path = os.path.join(data, f"{who}-pages.txt")
            with open(path, "w") as handle:
                handle.write("\n".join(str(i) for i in world[f"{who}_pages"][:1000]) + "\n")
            ids[who] = path

        # Warm the caches (access sets, page cache) and check each path works.
        member = Client(port, world["member"])
        guest = Client(port, world["guest"])
        for who, client in (("member", member), ("guest", guest)):
            for page in world[f"{who}_pages"][:200]:
                status, _, _ = client.call("GET", f"/wiki/api/v2/pages/{page}?body-format=storage")
                if status != 200:
                    raise RuntimeError(f"{who} can't view page {page}: {status}")
        other = next(p for p in world["member_pages"] if p not in set(world["guest_pages"]))
        status, _, _ = guest.call("GET", f"/wiki/api/v2/pages/{other}")
        if status != 404:
            raise RuntimeError(f"the guest sees page {other} outside their space: {status}")

        log(f"hello world: wrk 64 connections, {seconds:g} s")
        figures["hello"] = wrk(hello_port, seconds, path="/")
        hello_client = Client(hello_port)
        figures["hello_sequential"] = summary(
            timed(min(seconds, 3), 2000, lambda: hello_client.call("GET", "/")[2]))
        for who in ("member", "guest"):
            log(f"page view as {who}: wrk 64 connections, {seconds:g} s")
            result = wrk(port, seconds, ids_file=ids[who], account=world[who])
            figures[f"view_{who}"] = result
            figures[f"view_{who}_rps"] = result["rps"]
            figures[f"view_{who}_p99_ms"] = result["p99_ms"]

        log("recently-updated feed (member, one connection)")
        def feed():
            status, _, ms = member.call("GET", "/api/portico/feeds/recent?limit=25")
            if status != 200:
                raise RuntimeError(f"feed answered {status}")
            return ms
        feed_stats = summary(timed(seconds, 2000, feed))
        figures["feed"] = feed_stats
        figures["feed_p95_ms"] = feed_stats["p95_ms"]

        log("page saves (member, one connection)")
        pages = [list(p) for p in world["member_edit_pages"]]
        versions = {}
        turn = [0]
        def save():
            page, version = pages[turn[0] % len(pages)]
            turn[0] += 1
            if page not in versions:
                # A reused world may have been saved by an earlier run.
                status, payload, _ = member.call("GET", f"/wiki/api/v2/pages/{page}")
                if status != 200:
                    raise RuntimeError(f"page {page} answered {status}")
                versions[page] = json.loads(payload)["version"]["number"]
            current = versions[page]
            body = {"id": str(page), "status": "current",
                    "title": f"Bench save {page}",
                    "body": {"representation": "storage",
                             "value": f"<p>Saved by the benchmark, version {current + 1}.</p>"},
                    "version": {"number": current + 1, "message": "bench"}}
            status, payload, ms = member.call("PUT", f"/wiki/api/v2/pages/{page}", body)
            if status != 200:
                raise RuntimeError(f"save of page {page} answered {status}: {payload[:200]!r}")
            versions[page] = current + 1
            return ms
        save_stats = summary(timed(seconds, 1000, save))
        figures["save"] = save_stats
        figures["save_p95_ms"] = save_stats["p95_ms"]

        log("search")
        words = world["words"]
        probe = Client(port, world["member"])
        probe.conn.timeout = 900  # a first query may catch the index up
        status, _, _ = probe.call("GET", f"/api/portico/search?q={words[0]}")
        if status == 404:
            figures["search"] = "not available (404)"
            print("search: not available (404)", flush=True)
        elif status != 200:
            raise RuntimeError(f"search answered {status}")
        else:
            figures["search"] = {}
            for who, client in (("member", member), ("guest", guest)):
                for count in (1, 2):
                    turn = [0]
                    def query():
                        i = turn[0]
                        turn[0] += 1
                        q = "+".join(words[(i * 7 + k * 13) % len(words)] for k in range(count))
                        status, _, ms = client.call("GET", f"/api/portico/search?q={q}")
                        if status != 200:
                            raise RuntimeError(f"search `{q}` answered {status}")
                        return ms
                    stats = summary(timed(seconds / 2, 1000, query))
                    figures["search"][f"{who}_{count}w"] = stats
                    figures[f"search_{who}_{count}w_p95_ms"] = stats["p95_ms"]

        figures["rss_mib"] = vm_hwm_mib(server.pid)
        if server.poll() is not None:
            raise RuntimeError("the server stopped during the run")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()

    write_results(args, name, world, figures, started_at)


def cpu_busy_share(seconds):
    """The share of all cores busy over `seconds` (from /proc/stat), while
    the harness itself waits and the servers are idle: other work."""
    def sample():
        with open("/proc/stat") as handle:
            values = [int(v) for v in handle.readline().split()[1:]]
        idle = values[3] + (values[4] if len(values) > 4 else 0)
        return idle, sum(values)
    idle_before, total_before = sample()
    time.sleep(seconds)
    idle_after, total_after = sample()
    total = total_after - total_before
    return round(1 - (idle_after - idle_before) / total, 3) if total > 0 else 0.0


def machine_note(load_before, busy_before):
    """Whether other work shared the cores when the loads began: the cores'
    busy share measured over 1 s just before them (the 1-minute load average
    lags, and still counts the micro-benchmarks that ran just before)."""
    one_minute = float(load_before.split()[0])
    cores = os.cpu_count() or 1
    if busy_before is not None and busy_before >= 0.25:
        return (f"- **the machine was busy** when the loads began ({busy_before:.0%} of "
                f"{cores} cores busy with other work over 1 s; 1-minute load {one_minute:.2f}): "
                "the figures are depressed by an unknown amount.")
    return (f"- the machine was quiet when the loads began ({busy_before or 0:.0%} of {cores} "
            f"cores busy with other work over 1 s; the 1-minute load, {one_minute:.2f}, still "
            "counts the micro-benchmarks that ran just before).")


def write_results(args, name, world, figures, started_at):
    def run(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT).stdout.strip()
        except OSError:
            return ""
    hello_rps = figures["hello"]["rps"]
    hello_p99 = figures["hello"]["p99_ms"]
    hello_seq_p95 = figures["hello_sequential"]["p95_ms"]
    meta = {
        "command": "bench/run " + " ".join(sys.argv[1:]),
        "commit": run(["git", "rev-parse", "--short", "HEAD"]),
        "date": started_at.strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(),
        "load_average_after": run(["cat", "/proc/loadavg"]),
        "size": args.size, "db": args.db, "smoke": args.smoke,
        "world": {"shape": world["shape"], "counts": dict(world["counts"]), "seed": world["seed"]},
        "binary": os.path.relpath(args.bin, ROOT),
    }
    rows = []
    for key, (label, target, check) in TARGETS.items():
        value = figures.get(key)
        if value is None:
            if key.startswith("search_") and isinstance(figures.get("search"), str):
                rows.append((label, target, figures["search"], "—", "—"))
            elif key in ("decision_p50_us", "access_set_ms") and args.smoke:
                rows.append((label, target, "skipped (smoke)", "—", "—"))
            else:
                rows.append((label, target, "not measured", "—", "—"))
            continue
        met = "—" if check is None else ("met" if check(value) else "not met")
        if key.endswith("_rps"):
            ratio = f"{value / hello_rps:.2f} of hello ({hello_rps:,.0f} req/s)"
        elif key.startswith("view_") and key.endswith("_p99_ms"):
            ratio = f"{value / hello_p99:.1f}× hello p99 ({hello_p99:.2f} ms)"
        elif key.endswith("_p95_ms"):
            ratio = f"{value / hello_seq_p95:.1f}× hello p95 ({hello_seq_p95:.2f} ms, one connection)"
        else:
            ratio = "—"
        unit = "req/s" if key.endswith("_rps") else ("µs" if key.endswith("_us") else
                ("MiB" if key.endswith("_mib") else ("s" if key.endswith("_seconds") else "ms")))
        shown = f"{value:,.0f}" if unit in ("req/s", "MiB") else (
            f"{value:.3f}" if unit == "µs" else (f"{value:.1f}" if unit == "s" else f"{value:.2f}"))
        rows.append((label, target, f"{shown} {unit}", met, ratio))
    result = {"meta": meta, "figures": figures,
              "table": [dict(zip(["figure", "target", "measured", "verdict", "vs_hello"], r)) for r in rows]}
    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    base = os.path.join(ROOT, "bench", "results", name)
    with open(base + ".json", "w") as handle:
        json.dump(result, handle, indent=2)
    lines = [
        f"# Benchmark: world {args.size} on {args.db}" + (" (smoke)" if args.smoke else ""),
        "",
        f"- command: `{meta['command']}`",
        f"- commit `{meta['commit']}`, {meta['date']}, {meta['cores']} cores (`nproc`), "
        f"load average (`/proc/loadavg`) before: `{figures['load_average_before']}`, "
        f"after: `{meta['load_average_after']}`",
        machine_note(figures["load_average_before"], figures.get("cpu_busy_before")),
        f"- world: {meta['world']['counts']}",
        "- targets are those of issue 8 for size L on SQLite; loads run from wrk / one "
        "Python client on the same machine (loopback), so client and server share the cores.",
        "",
        "| figure | target | measured | met? | vs. axum hello world |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {' | '.join(row)} |" for row in rows]
    lines += ["", "Feed, save and search latencies are from one keep-alive connection "
              "(sequential requests); page views from wrk at 64 connections. "
              "Why the missed targets are missed, and what would meet them: "
              "[bench/results/README.md](README.md).", ""]
    with open(base + ".md", "w") as handle:
        handle.write("\n".join(lines))
    print("\n".join(lines))
    print(f"results: {base}.json, {base}.md")


if __name__ == "__main__":
    try:
        main()
    except (RuntimeError, subprocess.CalledProcessError, OSError) as err:
        sys.exit(f"bench: {err}")
