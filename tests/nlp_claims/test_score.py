"""`analyze score` on a real SQLite file: claims written, reruns add nothing, --rescore redoes,
and a run killed mid-way then rerun ends with the same claims table as an uninterrupted run."""

import json
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from analyzer import store

SENTENCES = [
    "Small caps rallied {n}% as the Russell 2000 outpaced the S&P 500.",
    "Short sellers scrambled to cover in the most-shorted stocks.",
    "Traders added bets on a Fed rate cut after the soft CPI report.",
    "The Fed signaled it is in no hurry to cut rates.",
    "The company cut {n} jobs at its plant in Ohio.",
    "This article is for informational purposes only and is not investment advice on small caps.",
    "The city council met on Tuesday to discuss parking.",
]


def make_articles(n: int) -> list[dict]:
    out = []
    for i in range(n):
        body = " ".join(s.format(n=i % 9 + 1) for s in SENTENCES[i % 3 :] + SENTENCES[: i % 3])
        out.append(
            {
                "id": f"art{i:04d}",
                "source": "test",
                "title": f"Market wrap {i}",
                "summary": body if i % 2 else None,
                "content": None if i % 2 else body + " " + body,
                "published_at": "2024-07-11T14:00:00Z",
            }
        )
    return out


def make_db(path: Path, n: int) -> Path:
    db = store.open_db(path)
    with store.transaction(db):
        db["articles"].insert_all(make_articles(n), pk="id")
    db.conn.close()
    return path


def claims_table(path: Path) -> list[tuple]:
    con = sqlite3.connect(path)
    rows = con.execute(
        "select id, article_id, sentence_index, start, end, sentence, theme, stance, round(stance_prob, 2), label,"
        " round(sentiment, 2), certainty, orientation, speaker, organisation, entities, model_version, theme_version"
        " from claims order by id"
    ).fetchall()
    con.close()
    return rows


def counts(path: Path) -> tuple[int, int]:
    con = sqlite3.connect(path)
    try:
        return tuple(con.execute(f"select count(*) from {t}").fetchone()[0] for t in ("claims", "article_scores"))
    finally:
        con.close()


def test_score_writes_claims_reruns_add_nothing_rescore_redoes(tmp_path, run_cli):
    db = make_db(tmp_path / "a.db", 12)
    r = run_cli("score", "--db", str(db), "--json")
    assert r.returncode == 0, r.stderr.decode()
    s = json.loads(r.stdout)
    assert s["articles"] == 12 and s["claims"] > 0
    rows = claims_table(db)
    assert len(rows) == s["claims"] and counts(db) == (s["claims"], 12)
    themes = {(row[1], row[6]) for row in rows}
    assert ("art0000", "small_cap_rotation") in themes and ("art0000", "rate_cuts") in themes
    con = sqlite3.connect(db)
    art = dict(
        zip(
            ("title", "summary", "content"),
            con.execute("select title, summary, content from articles where id='art0001'").fetchone(),
        )
    )
    from analyzer.nlp.scoring import article_text

    text = article_text(art)
    for cid, start, end, sentence in con.execute(
        "select id, start, end, sentence from claims where article_id='art0001'"
    ):
        assert text[start:end] == sentence, cid
    assert (
        con.execute(
            "select count(*) from claims where sentence like '%informational purposes%' or sentence like '%jobs at its plant%'"
        ).fetchone()[0]
        == 0
    )
    run = con.execute("select command, status, counts from runs order by id desc limit 1").fetchone()
    assert run[0] == "score" and run[1] == "ok" and json.loads(run[2])["claims"] == s["claims"]
    con.close()

    r = run_cli("score", "--db", str(db), "--json")
    s2 = json.loads(r.stdout)
    assert (s2["articles"], s2["skipped"], s2["claims"]) == (0, 12, 0)
    assert claims_table(db) == rows

    later = "2999-01-01T00:00:00.000000Z"  # full text arrived after scoring: that article is scored again
    con = sqlite3.connect(db)
    with con:
        con.execute("update articles set updated_at = ? where id = 'art0003'", [later])
    con.close()
    r = run_cli("score", "--db", str(db), "--json")
    assert json.loads(r.stdout)["articles"] == 1
    assert claims_table(db) == rows

    r = run_cli("score", "--db", str(db), "--rescore", "--json")
    s3 = json.loads(r.stdout)
    assert s3["articles"] == 12 and s3["claims"] == s["claims"]
    assert claims_table(db) == rows
    con = sqlite3.connect(db)
    assert con.execute("select count(distinct scored_at) from article_scores").fetchone()[0] >= 1
    con.close()


def test_killed_run_resumes_to_the_same_table(tmp_path, run_cli):
    n = 50
    killed = make_db(tmp_path / "killed.db", n)
    whole = tmp_path / "whole.db"
    shutil.copy(killed, whole)
    args = ["--batch-size", "2"]
    exe = str(Path(sys.executable).parent / "analyze")
    proc = subprocess.Popen(
        [exe, "score", "--db", str(killed), *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.time() + 240
    done = 0
    try:
        while time.time() < deadline and proc.poll() is None:
            try:
                done = counts(killed)[1]
            except sqlite3.OperationalError:
                done = 0
            if done >= 6:
                break
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert 0 < done < n, f"the run was not interrupted mid-way ({done} of {n} articles scored)"
    partial = counts(killed)
    assert partial[1] < n
    r = run_cli("score", "--db", str(killed), *args, "--json")
    assert r.returncode == 0, r.stderr.decode()
    assert json.loads(r.stdout)["skipped"] == partial[1]
    r = run_cli("score", "--db", str(whole), *args)
    assert r.returncode == 0, r.stderr.decode()
    a, b = claims_table(killed), claims_table(whole)
    assert len(a) == len(b) > 0
    assert a == b
    assert counts(killed) == counts(whole)
    runs = sqlite3.connect(killed).execute("select status from runs where command = 'score' order by id").fetchall()
    assert runs == [("killed",), ("ok",)]


def test_unknown_theme_for_score(tmp_path, run_cli):
    db = make_db(tmp_path / "t.db", 2)
    r = run_cli("score", "--db", str(db), "--theme", "nope")
    assert r.returncode == 2 and b"unknown theme 'nope'" in r.stderr
