"""A load test: the app served as in production (gunicorn, several workers; README: Production)
on 127.0.0.1 against PostgreSQL with 1,000,000 complaints, driven by 16 concurrent staff for a
fixed time with a bounded mix of what the office does all day:

- lists: all cases, my queue, a later page, a status filter (screens);
- detail pages of cases of the user's offices (screens);
- the dashboard (the home page's counts);
- intake: registering a complaint through the REST API;
- escalation: escalating an open case through the REST API (each case once).

Each simulated user is a thread with its own HTTP session (form login for the screens, a token
for the API) sending its next request as soon as the previous one is answered. Prints the
throughput, p50/p95/p99 latency and errors per kind, then checks every 201 of the intake
against the database: a stored case with the number it was given, no number twice. The server
is stopped at the end; nothing but 127.0.0.1 is contacted.

    .venv/bin/python benchmarks/load.py [--complaints N] [--baseline N] [--reuse] [--keep]
                                        [--users 16] [--seconds 60] [--workers 4] [--port 8150]

The same mix is first driven against a company of --baseline complaints (10,000; 0 skips it),
and the large company's throughput and latencies are printed as ratios to it.

Uses BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/bench_sweep) in the
schema fill_<N> (benchmarks/fill.py); --reuse takes one kept by `benchmarks/sweep.py --keep`
or an earlier `--keep` here. The database keeps the cases the run registered or escalated."""
import argparse
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.fill import PASSWORD, drop, filled_app, schema_url, staff_names

URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bench_sweep")
HOST = "127.0.0.1"  # the only address this script sends to
# kind → weight of the mix (customer service and supervisors; the general manager neither
# registers nor escalates here and reads instead).
MIX = {"list": 35, "detail": 30, "dashboard": 10, "intake": 15, "escalate": 10}
READER_MIX = {"list": 50, "detail": 40, "dashboard": 10}
LISTS = ["/complaints/list/", "/queue/list/", "/complaints/list/?page_ComplaintView={page}",
         "/complaints/list/?_flt_0_status=INVESTIGATING"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--baseline", type=int, default=10_000, help="the small company measured first (0: none)")
    parser.add_argument("--open-share", type=float, default=0.3)
    parser.add_argument("--reuse", action="store_true", help="reuse a kept fill of the same size")
    parser.add_argument("--keep", action="store_true", help="keep the filled schema afterwards")
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60, help="measured time, after --warmup")
    parser.add_argument("--warmup", type=float, default=10)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=8150)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    sizes = [n for n in (args.baseline, args.complaints) if n]
    figures = {n: run(n, args) for n in sizes}
    if len(sizes) == 2:
        small, large = (figures[n] for n in sizes)
        print(f"\n{sizes[1]:,} against {sizes[0]:,} complaints (ratio = large / small): throughput "
              f"{large['throughput']:.1f} / {small['throughput']:.1f} req/s = {large['throughput'] / small['throughput']:.2f}")
        for kind in MIX:
            if kind in small["kinds"] and kind in large["kinds"]:
                (p50a, p95a), (p50b, p95b) = small["kinds"][kind], large["kinds"][kind]
                print(f"  {kind:<9} p50 {p50a:6.0f} → {p50b:6.0f} ms ({p50b / p50a:4.2f})   "
                      f"p95 {p95a:6.0f} → {p95b:6.0f} ms ({p95b / p95a:4.2f})")


def run(complaints, args) -> dict:
    """Drive the mix against a company of `complaints` cases; print and return its figures."""
    schema = f"fill_{complaints}"
    app, info = filled_app(URL, schema, complaints, int(complaints * args.open_share), reuse=args.reuse)
    print(f"\nfill: {complaints:,} complaints ({info.open_cases:,} open) in {schema} "
          f"({f'{info.seconds:.1f} s' if info.seconds else 'reused'})", flush=True)
    try:
        with app.app_context():
            targets = Targets.read(args.seed)
        with serve(schema, args.port, args.workers) as base:
            print(f"gunicorn: {args.workers} workers on {base}; {args.users} users, {args.warmup:.0f} s warm-up, "
                  f"{args.seconds:.0f} s measured (the machine is shared with other work)", flush=True)
            results, created = drive(base, targets, args)
        with app.app_context():
            figures = report(results, created, args.seconds)
            from app.core.extensions import db
            db.session.remove()
            db.engine.dispose()
        return figures
    finally:
        if not args.keep:
            drop(URL, schema)


class Targets:
    """What the users act on: case ids by office (for detail pages) and, per office, a queue
    of open cases at the first tier that can be escalated once each."""

    def __init__(self, cases, escalatable, office_ids, category_ids, rng):
        self.cases, self.escalatable, self.office_ids, self.category_ids = cases, escalatable, office_ids, category_ids
        self.rng, self.lock = rng, threading.Lock()

    @classmethod
    def read(cls, seed):
        from app.core.extensions import db

        rng = random.Random(seed)
        offices = db.session.execute(sa.text("SELECT code, id FROM office WHERE code LIKE 'B%' ORDER BY code")).all()
        office_ids = [i for _, i in offices]
        cases, escalatable = {}, {}
        for _, office_id in offices:
            # A sample across all ages.
            cases[office_id] = db.session.scalars(sa.text(
                "SELECT id FROM complaint WHERE office_id = :o ORDER BY md5(id || :seed) LIMIT 2000"),
                {"o": office_id, "seed": str(seed)}).all()
            escalatable[office_id] = db.session.scalars(sa.text(
                "SELECT id FROM complaint WHERE office_id = :o AND tier = 1 AND status IN "
                "('ACKNOWLEDGED', 'INVESTIGATING', 'PLAN_PROPOSED', 'PLAN_APPROVED', 'IN_PROGRESS') "
                "ORDER BY received_at DESC LIMIT 3000"), {"o": office_id}).all()
            rng.shuffle(escalatable[office_id])
        categories = db.session.scalars(sa.text("SELECT id FROM category WHERE active")).all()
        return cls(cases, escalatable, office_ids, categories, rng)

    def next_escalation(self, office_id):
        with self.lock:
            pool = self.escalatable[office_id]
            return pool.pop() if pool else None


class serve:
    """gunicorn serving run:app on 127.0.0.1:port against the filled schema, stopped on exit."""

    def __init__(self, schema, port, workers):
        self.schema, self.port, self.workers = schema, port, workers

    def __enter__(self):
        self.instance = tempfile.TemporaryDirectory(prefix="load_inst_")
        env = {**os.environ, "DATABASE_URL": schema_url(URL, self.schema), "INSTANCE_DIR": self.instance.name,
               "SCHEDULER_IN_PROCESS": "0", "AUTH_RATE_LIMIT": "100000 per minute"}
        self.log = open(Path(self.instance.name) / "gunicorn.log", "w")
        self.process = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "--workers", str(self.workers), "--bind", f"{HOST}:{self.port}",
             "--timeout", "120", "run:app"], cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        base = f"http://{HOST}:{self.port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if requests.get(f"{base}/login/", timeout=30).status_code == 200:
                    return base
            except requests.RequestException:
                time.sleep(0.5)
        log = Path(self.log.name).read_text()[-2000:]
        self.__exit__()
        raise SystemExit(f"gunicorn did not answer within 120 s:\n{log}")

    def __exit__(self, *exc):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
        self.instance.cleanup()


class User:
    """One member of staff: a browser session for the screens, a token for the API."""

    def __init__(self, base, username, office_id, targets, rng):
        self.base, self.username, self.office_id, self.targets, self.rng = base, username, office_id, targets, rng
        self.web = requests.Session()
        self.web.trust_env = False  # no proxy: straight to 127.0.0.1
        page = self.web.get(f"{base}/login/", timeout=30).text
        answer = self.web.post(f"{base}/login/", data={"username": username, "password": PASSWORD,
                                                       "csrf_token": csrf_token(page)},
                               allow_redirects=False, timeout=30)
        if answer.status_code != 302:
            raise SystemExit(f"login of {username} failed: {answer.status_code}")
        self.api = requests.Session()
        self.api.trust_env = False
        token = self.api.post(f"{base}/api/v1/security/login", json={
            "username": username, "password": PASSWORD, "provider": "db"}, timeout=30).json()["access_token"]
        self.api.headers["Authorization"] = f"Bearer {token}"
        self.mix = MIX if office_id else READER_MIX

    def act(self, created):
        """One request of the mix: (kind, status or None, seconds, error or None)."""
        kind = self.rng.choices(list(self.mix), weights=list(self.mix.values()))[0]
        started = time.perf_counter()
        try:
            status, error = getattr(self, kind)(created)
        except requests.RequestException as e:
            status, error = None, type(e).__name__
        return kind, status, time.perf_counter() - started, error

    def list(self, created):
        url = self.rng.choice(LISTS).format(page=self.rng.randint(1, 40))
        answer = self.web.get(self.base + url, timeout=60)
        return answer.status_code, None if answer.status_code == 200 else f"{url}: {answer.status_code}"

    def detail(self, created):
        office = self.office_id or self.rng.choice(self.targets.office_ids)
        case = self.rng.choice(self.targets.cases[office])
        answer = self.web.get(f"{self.base}/complaints/show/{case}", timeout=60)
        return answer.status_code, None if answer.status_code == 200 else f"show {case}: {answer.status_code}"

    def dashboard(self, created):
        answer = self.web.get(f"{self.base}/", timeout=60)
        return answer.status_code, None if answer.status_code == 200 else f"dashboard: {answer.status_code}"

    def intake(self, created):
        n = self.rng.randint(1, 10**8)
        answer = self.api.post(f"{self.base}/api/v1/complaints/", json={
            "office_id": self.office_id, "category_id": self.rng.choice(self.targets.category_ids),
            "urgency": "GENERAL", "channel": "WECHAT", "description": f"负载测试登记:楼道灯不亮({n})",
            "complainant_name": f"负载业主{n % 5000}", "complainant_phone": f"139{n % 10**8:08d}",
            "complainant_room": f"{1 + n % 30}栋{101 + n % 900}室"}, timeout=60)
        if answer.status_code == 201:
            body = answer.json()
            created.append((body["id"], body["case_number"]))
            return 201, None
        return answer.status_code, f"intake: {answer.status_code} {answer.text[:200]}"

    def escalate(self, created):
        case = self.targets.next_escalation(self.office_id)
        if case is None:
            return self.detail(created)
        answer = self.api.post(f"{self.base}/api/v1/complaints/{case}/actions/escalate",
                               json={"reason": "负载测试:需主管协调"}, timeout=60)
        return answer.status_code, None if answer.status_code == 200 else \
            f"escalate {case}: {answer.status_code} {answer.text[:200]}"


def csrf_token(page: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page)
    return match.group(1)


def drive(base, targets, args):
    """Run the users; return the measured results [(kind, status, seconds, error)] and the
    (id, case number) of every 201."""
    # Customer service and supervisors of each office, then the general manager (who reads).
    staff = [(f"bench_cs{i}a", office) for i, office in enumerate(targets.office_ids)]
    staff += [(f"bench_sup{i}", office) for i, office in enumerate(targets.office_ids)]
    roster = staff[:max(0, args.users - 2)] + [(staff_names()["general_manager"][0], None)] * min(2, args.users)
    users = [User(base, name, office, targets, random.Random(args.seed + i)) for i, (name, office) in enumerate(roster)]
    results, created, lock = [], [], threading.Lock()
    start = time.monotonic()
    measure_from, stop_at = start + args.warmup, start + args.warmup + args.seconds

    def run(user):
        mine, ours = [], []
        while time.monotonic() < stop_at:
            began = time.monotonic()
            outcome = user.act(ours)
            if began >= measure_from:
                mine.append(outcome)
        with lock:
            results.extend(mine)
            created.extend(ours)

    threads = [threading.Thread(target=run, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, created


def report(results, created, seconds) -> dict:
    """Print the run's figures; return its throughput and (p50, p95) ms per kind."""
    from app.core.extensions import db

    by_kind = defaultdict(list)
    for kind, status, elapsed, error in results:
        by_kind[kind].append((status, elapsed, error))
    errors = [error for *_, error in results if error]
    print(f"throughput: {len(results):,} requests in {seconds:.0f} s = {len(results) / seconds:.1f} req/s; "
          f"errors {len(errors)}")
    figures = {"throughput": len(results) / seconds, "kinds": {}}
    for kind in MIX:
        rows = by_kind.get(kind, [])
        if not rows:
            continue
        times = sorted(elapsed * 1000 for _, elapsed, _ in rows)
        q = statistics.quantiles(times, n=100, method="inclusive") if len(times) > 1 else times * 99
        failed = sum(1 for *_, error in rows if error)
        figures["kinds"][kind] = (q[49], q[94])
        print(f"  {kind:<9} {len(rows):>6,} requests  p50 {q[49]:7.0f} ms  p95 {q[94]:7.0f} ms  "
              f"p99 {q[98]:7.0f} ms  errors {failed}")
    print(f"  statuses: {dict(sorted(Counter(str(status) for _, status, *_ in results).items()))}")
    for error, count in Counter(errors).most_common(5):
        print(f"  error ×{count}: {error}")
    # Every 201 is a stored case with the number it was given, and no number is given twice.
    ids = [i for i, _ in created]
    stored = dict(db.session.execute(sa.text("SELECT id, case_number FROM complaint WHERE id = ANY(:ids)"),
                                     {"ids": ids}).all()) if ids else {}
    wrong = [(i, n) for i, n in created if stored.get(i) != n]
    numbers = [n for _, n in created]
    print(f"intake check: {len(created):,} answered 201 (warm-up included), {len(stored):,} stored with their "
          f"number, {len(wrong)} missing or different, {len(numbers) - len(set(numbers))} numbers given twice")
    return figures


if __name__ == "__main__":
    main()
