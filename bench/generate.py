"""Generate a province-sized database with the bot's real schema, for the scale benchmarks.

    python bench/generate.py OUT.db [--users 300000] [--visits 1000000] [--progress 3000000]
                             [--seed 1] [--quiz-share 0] [--broadcasts 2] [--no-freeze]

The schema comes from bot.storage.db.open_database (every migration applied); rows are then
written with plain sqlite3 in large transactions with synchronous=OFF, as no bot runs on the
file yet. The data look like a campaign season in Nghệ An: users arriving over months with a
spike around the 1-10 October campaign, teams in each of the province's 130 communes,
volunteers and leaders, visits (75% during the campaign, follow-ups and deleted ones
included), lesson progress over the real catalog (whole skills taken in order, so skills get
mastered), two finished broadcasts, notifications, help requests and audit entries. The
campaign is frozen as the bot freezes it once it has ended (--no-freeze leaves it live).
Prints a summary with the time taken.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import load_config  # noqa: E402
from bot.core.campaigns import days_bounds  # noqa: E402
from bot.core.lessons.catalog import load_catalog  # noqa: E402
from bot.core.shared.communes import Communes  # noqa: E402
from bot.core.shared.skills import SKILLS  # noqa: E402
from bot.core.shared.text import fold  # noqa: E402
from bot.core.visits import household_key  # noqa: E402
from bot.storage import campaigns as campaign_store  # noqa: E402
from bot.storage import summaries  # noqa: E402
from bot.storage.db import keyed_hash, open_database  # noqa: E402

CONFIG = load_config(ROOT / "config.yaml", {})
CAMPAIGN = CONFIG.campaigns[0]
SEASON_START = datetime(2026, 5, 1, tzinfo=UTC)  # the bot opened to the public
SEASON_END = datetime(2026, 11, 27, tzinfo=UTC)  # the day before "today" in the docs
CHUNK = 100_000  # rows per executemany: bounded memory whatever the sizes

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ",
            "Ngô", "Dương", "Lý", "Thái", "Cao"]
MIDDLES = ["Văn", "Thị", "Hữu", "Đình", "Sỹ", "Minh", "Quang", "Thanh", "Ngọc", "Xuân"]
GIVEN = ["An", "Bình", "Cường", "Dung", "Hùng", "Hương", "Lan", "Long", "Mai", "Nam", "Nga",
         "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vân", "Yến", "Đức", "Hà"]
HAMLETS = [f"Thôn {n}" for n in range(1, 13)] + ["Xóm Đông", "Xóm Tây", "Bản Na Lượng",
                                                 "Tổ dân phố 5", "Khối Tân Hòa", "Làng Sen"]
SKILL_SHARE = (0.35, 0.2, 0.3, 0.4, 0.25)  # how often a visit guides each skill
OUTCOME_SHARE = (0.25, 0.15, 0.12, 0.1, 0.1, 0.15, 0.3)


@dataclass(frozen=True)
class Sizes:
    """What to generate."""

    users: int
    visits: int
    progress: int
    quiz_share: float  # share of finished lessons that keep their quiz answers
    broadcasts: int
    freeze: bool


_DAYS: dict[int, str] = {}  # day number -> "YYYY-MM-DDT": formatting a time is most of the cost


def stamp(moment: float) -> str:
    """A POSIX time as the bot's UTC ISO text ("2026-10-01T08:30:00+00:00")."""
    day, second = divmod(int(moment), 86400)
    prefix = _DAYS.get(day)
    if prefix is None:
        prefix = _DAYS[day] = datetime.fromtimestamp(day * 86400, UTC).strftime("%Y-%m-%dT")
    return f"{prefix}{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}+00:00"


def person(rng: random.Random) -> str:
    """A Vietnamese full name."""
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLES)} {rng.choice(GIVEN)}"


def campaign_moment(rng: random.Random) -> float:
    """A moment in the campaign's days, 07:00-20:00 local time."""
    first = datetime.combine(CAMPAIGN.first_day, datetime.min.time(), CONFIG.timezone)
    day = rng.randrange((CAMPAIGN.last_day - CAMPAIGN.first_day).days + 1)
    return (first + timedelta(days=day, hours=7)).timestamp() + rng.random() * 13 * 3600


def season_moment(rng: random.Random, after: float | None = None) -> float:
    """A moment in the season (after a given one, if given)."""
    low = max(after or 0.0, SEASON_START.timestamp())
    return low + rng.random() * max(SEASON_END.timestamp() - low, 60.0)


def insert(conn: sqlite3.Connection, table: str, columns: str,
           rows: Iterator[tuple[object, ...]]) -> int:
    """Insert rows into table, CHUNK per executemany (bounded memory); returns how many."""
    marks = ", ".join("?" * len(columns.split(",")))
    count = 0
    while batch := list(itertools.islice(rows, CHUNK)):
        conn.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", batch)
        count += len(batch)
    return count


class Generator:
    """Writes every table; keeps what later tables need (users' times, volunteers, teams)."""

    def __init__(self, conn: sqlite3.Connection, sizes: Sizes, seed: int) -> None:
        self.conn, self.sizes, self.rng = conn, sizes, random.Random(seed)
        self.communes = [c.code for c in Communes(CONFIG.province_code).all()]
        catalog = load_catalog(CONFIG.lessons_dir, CONFIG.locales)
        # Lessons grouped as people take them: whole skills, the handbook last.
        self.tracks = [[x.id for x in catalog.by_skill(s)] for s in SKILLS]
        self.handbook = [x.id for x in catalog.lessons.values()
                         if not any(x.id in track for track in self.tracks)]
        self.ends = {x.id: len(x.steps) + len(x.quiz) for x in catalog.lessons.values()}
        self.questions = {x.id: len(x.quiz) for x in catalog.lessons.values()}
        self.created: list[float] = []  # user id - 1 -> created at
        self.team_of: dict[int, int] = {}  # volunteer -> team
        self.team_commune: list[str] = []  # team id - 1 -> commune code

    def users(self) -> int:
        """Users: half arrive around the campaign; some blocked the bot; a few chose English."""
        rng, n = self.rng, self.sizes.users
        spike = datetime.combine(CAMPAIGN.first_day, datetime.min.time(), UTC).timestamp()
        times = sorted(spike - 10 * 86400 + rng.random() * 20 * 86400 if rng.random() < 0.5
                       else season_moment(rng) for _ in range(n))
        self.created = times

        def rows() -> Iterator[tuple[object, ...]]:
            for i, created in enumerate(times, start=1):
                seen = season_moment(rng, created)
                locale = "en" if rng.random() < 0.08 else "vi"
                blocked = stamp(season_moment(rng, seen)) if rng.random() < 0.04 else None
                yield (i, "telegram", str(100_000_000 + i * 7), locale,
                       int(rng.random() < 0.1), stamp(created), stamp(seen), blocked)
        return insert(self.conn, "users", "id, channel, external_id, locale, locale_chosen, "
                      "created_at, last_seen_at, blocked_at", rows())

    def teams(self) -> tuple[int, int]:
        """About ten teams per commune (more in big ones); 5% of users volunteer in them."""
        rng = self.rng
        weights = [rng.uniform(0.4, 2.5) for _ in self.communes]
        per = [max(2, round(7 * w)) for w in weights]
        created = datetime(2026, 9, 15, tzinfo=UTC).timestamp()
        teams: list[tuple[object, ...]] = []
        for commune, count in zip(self.communes, per, strict=True):
            for k in range(1, count + 1):
                self.team_commune.append(commune)
                teams.append((len(teams) + 1, f"NA{len(teams) + 1:05d}",
                              f"Tổ công nghệ số {k} – {commune}", commune,
                              stamp(created + rng.random() * 20 * 86400)))
        insert(self.conn, "teams", "id, join_code, name, commune_code, created_at", iter(teams))
        early = [i for i, at in enumerate(self.created, start=1) if at < created + 20 * 86400]
        chosen = rng.sample(early, min(len(early), max(len(teams) * 2, self.sizes.users // 20)))
        members = []
        for k, user in enumerate(chosen):
            team = k % len(teams) + 1 if k < 2 * len(teams) else rng.randrange(1, len(teams) + 1)
            self.team_of[user] = team
            role = "leader" if k < len(teams) else "volunteer"
            members.append((user, team, role, person(rng) if rng.random() < 0.9 else None,
                            stamp(max(self.created[user - 1], created) + rng.random() * 86400)))
        insert(self.conn, "memberships", "user_id, team_id, role, display_name, joined_at",
               iter(members))
        self.conn.executemany("UPDATE teams SET created_by = ? WHERE id = ?",
                              [(user, team) for user, team, role, *_ in members
                               if role == "leader"])
        return len(teams), len(members)

    def visits(self) -> int:
        """Visits in time order (ids grow with time, as in the bot): 75% during the campaign."""
        rng, n = self.rng, self.sizes.visits
        volunteers = sorted(self.team_of)
        activity = [rng.lognormvariate(0, 0.7) for _ in volunteers]  # some far busier
        doers = rng.choices(volunteers, activity, k=n)
        times = sorted(campaign_moment(rng) if rng.random() < 0.75 else season_moment(rng)
                       for _ in range(n))
        folded = {h: fold(h) for h in HAMLETS}
        # Keys are hashed with the database's own secret, as the bot's are (v019).
        secret = bytes(self.conn.execute(
            "SELECT value FROM secrets WHERE name = 'household'").fetchone()[0])
        # Pools drawn once: one random pick per visit instead of a dozen (the time is Python's).
        names = [(name, fold(name)) for name in {person(rng) for _ in range(5000)}]
        flag_sets = [tuple(int(rng.random() < p) for p in (*SKILL_SHARE, *OUTCOME_SHARE))
                     for _ in range(4096)]
        window = 50_000  # follow-ups return to a household visited among the last visits
        recent: list[tuple[int, str, str, str, str]] = [(0, "", "", "", "")] * window

        def rows() -> Iterator[tuple[object, ...]]:
            for i, at in enumerate(times, start=1):
                if i > 1 and rng.random() < 0.08:
                    earlier = rng.randrange(max(1, i - window), i)
                    volunteer, commune, hamlet, household, key = recent[earlier % window]
                    follow: int | None = earlier
                else:
                    volunteer, follow = doers[i - 1], None
                    commune = self.team_commune[self.team_of[volunteer] - 1]
                    hamlet, (name, folded_name) = rng.choice(HAMLETS), rng.choice(names)
                    number = rng.randrange(1, 400)
                    household = f"{name} {number}"
                    key = keyed_hash(secret, f"{commune}|{folded[hamlet]}|{folded_name} {number}"
                                     ) or ""  # never None: both the key and the text are given
                recent[i % window] = (volunteer, commune, hamlet, household, key)
                when = stamp(at)
                deleted = stamp(at + 600) if rng.random() < 0.02 else None
                yield (i, f"g{i}", volunteer, self.team_of[volunteer], commune, hamlet,
                       household, key, rng.choice((1, 1, 2, 2, 2, 3, 3, 4, 5)),
                       *rng.choice(flag_sets),
                       "Hẹn quay lại tuần sau" if rng.random() < 0.05 else None, follow,
                       when, when, deleted or when, deleted,
                       volunteer if deleted else None)
        columns = ("id, draft_id, volunteer_id, team_id, commune_code, hamlet, household, "
                   "household_key, people, s_public_services, s_shopping, s_payment, "
                   "s_cyber_safety, s_other_platforms, o_vneid_level2, o_public_service, "
                   "o_payment_account, o_biometrics, o_first_payment, o_two_factor, "
                   "o_scam_talk, note, follow_up_of, visited_at, created_at, updated_at, "
                   "deleted_at, deleted_by")
        count = insert(self.conn, "visits", columns, rows())
        _, commune, hamlet, household, key = recent[1]
        assert household_key(commune, hamlet, household, secret) == key, key  # the bot's own
        return count

    def lesson_counts(self) -> list[int]:
        """Lessons opened per user, summing to the --progress total (at most the catalog)."""
        rng, n, total = self.rng, self.sizes.users, self.sizes.progress
        most = sum(map(len, self.tracks)) + len(self.handbook)
        mean = total / n
        counts = [min(most, max(1, round(rng.expovariate(1 / mean)))) for _ in range(n)]
        gap = total - sum(counts)
        while gap:
            user = rng.randrange(n)
            if gap > 0 and counts[user] < most:
                counts[user], gap = counts[user] + 1, gap - 1
            elif gap < 0 and counts[user] > 1:
                counts[user], gap = counts[user] - 1, gap + 1
        return counts

    def progress(self) -> tuple[int, int]:
        """Lesson progress: each user takes whole skills in order, a third finish them all."""
        rng, share = self.rng, self.sizes.quiz_share
        counts = self.lesson_counts()
        answers: list[tuple[object, ...]] = []
        last = SEASON_END.timestamp()

        def rows() -> Iterator[tuple[object, ...]]:
            for user, count in enumerate(counts, start=1):
                order = rng.sample(self.tracks, len(self.tracks))
                if user in self.team_of:
                    order.insert(0, self.handbook)
                else:
                    order.append(self.handbook)
                lessons = [lesson for track in order for lesson in track][:count]
                at = self.created[user - 1]
                finishing = 1.0 if rng.random() < 0.3 else 0.7  # some finish all they open
                for lesson in lessons:
                    at = min(at + rng.expovariate(1 / 7200), last)
                    end = self.ends[lesson]
                    if rng.random() < finishing:
                        done = stamp(at + rng.uniform(120, 900))
                        yield (user, lesson, end, "done", stamp(at), done, done)
                        if rng.random() < share:
                            answers.extend((user, lesson, q, 0, int(rng.random() < 0.8), done)
                                           for q in range(self.questions[lesson]))
                    else:
                        yield (user, lesson, rng.randrange(end), "in_progress", stamp(at),
                               stamp(at + 60), None)
        count = insert(self.conn, "lesson_progress", "user_id, lesson_id, position, status, "
                       "started_at, updated_at, completed_at", rows())
        quiz = insert(self.conn, "quiz_answers", "user_id, lesson_id, question, choice, "
                      "correct, answered_at", iter(answers))
        return count, quiz

    def dialogs(self) -> int:
        """Most users have a dialog row (the menu's options last shown)."""
        options = '[["📚 Bài học", "m:l"], ["🔎 Tìm bài", "m:f"]]'
        return insert(self.conn, "dialogs", "user_id, state, options, updated_at", (
            (user, "{}", options, stamp(season_moment(self.rng, at)))
            for user, at in enumerate(self.created, start=1) if self.rng.random() < 0.85))

    def messaging(self) -> dict[str, int]:
        """Finished broadcasts with their deliveries, notifications, help requests, audit."""
        rng, n = self.rng, self.sizes.users
        admin, found = 1, dict[str, int]()
        for b in range(1, self.sizes.broadcasts + 1):
            moment = campaign_moment(rng) - 5 * 86400 + b * 3 * 86400
            at = stamp(moment)
            self.conn.execute(
                "INSERT INTO broadcasts (id, created_by, text_vi, audience, status, created_at, "
                "started_at, finished_at) VALUES (?, ?, ?, '{\"kind\": \"everyone\"}', 'done', "
                "?, ?, ?)", (b, admin, f"Thông báo chiến dịch số {b}", at, at, at))
            found["deliveries"] = found.get("deliveries", 0) + insert(
                self.conn, "deliveries", "broadcast_id, user_id, status, attempts, updated_at",
                ((b, user, "sent" if rng.random() < 0.96 else "blocked", 1, at)
                 for user in range(1, n + 1) if self.created[user - 1] < moment))
        helpers = sorted(self.team_of)
        found["outbox"] = insert(
            self.conn, "outbox", "user_id, reply, created_at, sent_at, attempts",
            ((rng.choice(helpers), '{"text": "Có người cần hỗ trợ"}', stamp(at),
              stamp(at + 2) if k > 20 else None, int(k > 20))
             for k, at in enumerate(sorted(season_moment(rng) for _ in range(n // 10)))))
        statuses = ("open", "taken", "done", "done", "cancelled")
        found["help_requests"] = insert(
            self.conn, "help_requests", "citizen_id, first_name, commune_code, hamlet, phone, "
            "status, taken_by, created_at",
            ((rng.randrange(1, n + 1), rng.choice(GIVEN), rng.choice(self.communes),
              rng.choice(HAMLETS), None, status, rng.choice(helpers) if status != "open"
              else None, stamp(season_moment(rng)))
             for status in (rng.choice(statuses) for _ in range(n // 60))))
        found["audit_log"] = insert(
            self.conn, "audit_log", "actor_id, action, detail, at",
            ((admin, rng.choice(("export", "team", "role", "broadcast")), "generated",
              stamp(at)) for at in sorted(season_moment(rng) for _ in range(3000))))
        return found

    def freeze(self) -> int:
        """Freeze the campaign as the bot does once it has ended (the same SQL)."""
        start, end = days_bounds(CAMPAIGN.first_day, CAMPAIGN.last_day, CONFIG.timezone)
        self.conn.execute(campaign_store.CLAIM_SQL,
                          (CAMPAIGN.key, stamp(SEASON_END.timestamp()), start, end))
        # All chunks at once (nobody else is writing): from where the claim says to its end.
        first, last = self.conn.execute(campaign_store.PROGRESS_SQL,
                                        (CAMPAIGN.key,)).fetchone()[:2]
        copied = self.conn.execute(campaign_store.COPY_CHUNK_SQL,
                                   (CAMPAIGN.key, first, last, start, end)).rowcount
        self.conn.execute(campaign_store.ADVANCE_SQL, (last, CAMPAIGN.key, first))
        self.conn.execute(campaign_store.COMPLETE_SQL,
                          (stamp(SEASON_END.timestamp()), CAMPAIGN.key))
        return copied


def run(conn: sqlite3.Connection, statements: list[str]) -> int:
    """Run statements; returns how many."""
    for statement in statements:
        conn.execute(statement)
    return len(statements)


async def _create_schema(path: Path) -> None:
    db = await open_database(path)
    await db.close()


async def _sync_skills(path: Path) -> bool:
    """Give the summaries the catalog's skills, as the bot does before its first report."""
    catalog = load_catalog(CONFIG.lessons_dir, CONFIG.locales)
    lessons = {x.id: skill for skill in SKILLS for x in catalog.by_skill(skill)}
    db = await open_database(path)
    try:
        return await summaries.sync_skills(db, lessons, SKILLS)
    finally:
        await db.close()


def generate(path: Path, sizes: Sizes, seed: int) -> dict[str, object]:
    """Create the database at path (it must not exist) and fill it; returns the counts."""
    if path.exists():
        raise SystemExit(f"{path} exists: generate into a new file")
    asyncio.run(_create_schema(path))
    conn = sqlite3.connect(path, isolation_level=None)
    conn.create_function("keyed_hash", 2, keyed_hash, deterministic=True)  # as the bot's
    try:
        # Nothing else uses the file yet: trade durability for speed, keep the B-trees cached.
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-1000000")
        conn.execute("PRAGMA temp_store=MEMORY")
        # The report summaries' triggers cost more than the rows themselves when loading
        # millions at once: off while loading, then the summaries are computed in one pass
        # (the same statements the tests check the triggers against) and the triggers put back.
        # Secondary indexes too: built once from the loaded rows they cost a fraction of
        # keeping them up to date row by row.
        schema = {kind: conn.execute("SELECT name, sql FROM sqlite_master WHERE type = ? AND "
                                     "sql IS NOT NULL", (kind,)).fetchall()
                  for kind in ("trigger", "index")}
        for kind, items in schema.items():
            for name, _ in items:
                conn.execute(f"DROP {kind} {name}")
        gen = Generator(conn, sizes, seed)
        found: dict[str, object] = {}
        frozen = sizes.freeze and CAMPAIGN.last_day < date.today()
        steps: Sequence[tuple[str, Callable[[], object]]] = (
            ("users", gen.users), ("teams, members", gen.teams), ("visits", gen.visits),
            ("lesson_progress, quiz_answers", gen.progress), ("dialogs", gen.dialogs),
            ("messaging", gen.messaging), *((("frozen_visits", gen.freeze),) if frozen else ()),
            ("indexes", partial(run, conn, [sql for _, sql in schema["index"]])),
            ("summaries", partial(run, conn, [*summaries.REBUILD,
                                              *(sql for _, sql in schema["trigger"])])))
        for name, step in steps:
            started = time.perf_counter()
            conn.execute("BEGIN")
            found[name] = step()
            conn.execute("COMMIT")
            print(f"  {name}: {found[name]} ({time.perf_counter() - started:.1f} s)",
                  flush=True)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    started = time.perf_counter()
    asyncio.run(_sync_skills(path))
    print(f"  skills mastered ({time.perf_counter() - started:.1f} s)", flush=True)
    return found


def province(given: Path | None, tmp: str, quick: bool) -> Path:
    """The database at given, or a province generated in tmp (quick: a tenth of one)."""
    if given is not None:
        return given
    path = Path(tmp) / "province.db"
    scale = 10 if quick else 1
    started = time.perf_counter()
    generate(path, Sizes(300_000 // scale, 1_000_000 // scale, 3_000_000 // scale, 0.0, 2, True),
             seed=1)
    print(f"generated in {time.perf_counter() - started:.0f} s")
    return path


def main() -> None:
    """Parse the sizes, generate, print a summary."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--users", type=int, default=300_000)
    parser.add_argument("--visits", type=int, default=1_000_000)
    parser.add_argument("--progress", type=int, default=3_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quiz-share", type=float, default=0.0,
                        help="share of finished lessons that keep quiz answers (0-1)")
    parser.add_argument("--broadcasts", type=int, default=2)
    parser.add_argument("--no-freeze", action="store_true",
                        help="leave the ended campaign unfrozen (the bot freezes it later)")
    args = parser.parse_args()
    sizes = Sizes(args.users, args.visits, args.progress, args.quiz_share, args.broadcasts,
                  not args.no_freeze)
    started = time.perf_counter()
    found = generate(args.out, sizes, args.seed)
    elapsed = time.perf_counter() - started
    size = args.out.stat().st_size / 1e6
    print(f"{args.out}: {size:,.0f} MB in {elapsed:.1f} s: "
          + ", ".join(f"{k} {v}" for k, v in found.items()))


if __name__ == "__main__":
    main()
