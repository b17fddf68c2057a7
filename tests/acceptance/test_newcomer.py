"""Acceptance, as a newcomer would try it: the README's first command (the terminal chat, no
token), told by its first lines how to try the volunteers' and admins' tools, then a team, a
visit, and the visit in /mystats, /teamstats, /stats and /export the same day."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

SEPARATOR = "─" * 40


def terminal(tmp_path: Path, lines: list[str], *args: str) -> list[str]:
    """`python -m bot` in the terminal with these lines typed; the blocks it printed."""
    env = {"PATH": "/usr/bin:/bin", "BOT_DATABASE": str(tmp_path / "bot.db"),
           "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8"}
    result = subprocess.run([sys.executable, "-m", "bot", *args], input="\n".join(lines) + "\n",
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return [block.strip().removeprefix("> ").strip() for block in result.stdout.split(SEPARATOR)]


def test_a_newcomer_logs_a_visit_and_finds_it_everywhere_the_same_day(tmp_path: Path) -> None:
    first = terminal(tmp_path, ["/visit"])
    assert "To try the volunteers' and admins' tools" in first[0]
    assert "python -m bot --admin" in first[0]
    assert "/join" in first[-2]  # /visit as a citizen says how to join a team

    made = terminal(tmp_path, ["/newteam", "anh son", "Tổ CNS thôn 3"], "--admin")
    assert "start it as an admin" not in made[0]
    found = re.search(r"/join ([A-Z0-9]{6})", made[-2])
    assert found, made[-2]

    visit = ["/visit", "1", "Thôn 3", "Nguyễn Văn A", "3", "1", "xong", "1", "xong", "1",
             "bo qua", "1"]
    blocks = terminal(tmp_path, [f"/join {found.group(1)}", *visit, "/mystats", "/teamstats",
                                 "/stats", "/export", "1"], "--admin")
    saved, mine, team, province, _ask, exported = blocks[-7:-1]
    assert "Đã lưu lượt đến hộ #1" in saved, saved
    figures = "🏠 1 hộ · 👥 3 người · 1 lượt đến"
    today = mine.split("\n\n")[1]
    assert today.startswith("📅 Hôm nay") and figures in today, mine
    assert "Tổ “Tổ CNS thôn 3”" in team and figures in team, team
    assert "🏠 1 hộ · 👥 3 người" in province, province
    files = re.findall(r"\[📎 (.+?)\]", exported)
    assert any(f.endswith(".xlsx") for f in files), exported
    assert all(Path(f).exists() for f in files)
