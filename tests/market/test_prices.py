"""Price sources, validation and storage (`analyze prices`)."""

from __future__ import annotations

import math
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from click.testing import CliRunner

from analyzer.cli import main
from analyzer.errors import AnalyzerError
from analyzer.market import returns
from analyzer.market.prices import load_prices
from analyzer.themes import load_themes

HEADER = "Date,Open,High,Low,Close,Adj Close,Volume\n"


def bar(day: str, close: float) -> str:
    return f"{day},{close},{close + 1},{close - 1},{close},{close},1000\n"


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


def count(db, symbol=None):
    if symbol:
        return db.execute("select count(*) from prices where symbol = ?", [symbol]).fetchone()[0]
    return db.execute("select count(*) from prices").fetchone()[0]


def test_bundled_sample_loads_all_four_series(db):
    summary = load_prices(db, source="bundled")
    assert set(summary.symbols) == {"IWM", "SPY", "QQQ", "DGS2"}
    for sym in ("IWM", "SPY", "QQQ"):
        s = summary.symbols[sym]
        assert (s.first, s.last, s.rows) == ("2023-01-03", "2024-12-31", 502)
    dgs2 = summary.symbols["DGS2"]
    assert dgs2.kind == "level" and dgs2.holidays > 15  # FRED's empty values are holidays
    assert summary.warnings == ()  # the real sample has no gaps against XNYS
    row = db.execute("select close, adj_close, source from prices where symbol='IWM' and date='2024-07-16'").fetchone()
    assert row[0] == pytest.approx(224.60, abs=0.01) and row[2] == "bundled"
    assert db.execute("select status from runs where command='prices'").fetchone()[0] == "ok"


def test_july_2024_small_cap_rotation_sanity_check(priced_db):
    """Data README: IWM +11.52% from the 2024-07-09 close to the 2024-07-16 close."""
    iwm = load_themes().get("short_squeeze").targets[0]
    levels = returns.target_levels(priced_db, iwm)
    assert math.exp(returns.forward_return(levels, "2024-07-09", 5)) - 1 == pytest.approx(0.1152, abs=0.0005)
    assert math.exp(returns.forward_return(levels, "2024-07-10", 4)) - 1 == pytest.approx(0.1044, abs=0.0005)
    spy = next(t for t in load_themes().get("small_cap_rotation").targets if t.name == "IWM-SPY")
    spread = returns.forward_return(returns.target_levels(priced_db, spy), "2024-07-09", 5)
    assert spread == pytest.approx(math.log(1.1152) - math.log(1.016), abs=0.003)  # SPY +1.6%


def test_rate_cuts_target_is_the_yield_change_with_sign_flipped(priced_db):
    target = load_themes().get("rate_cuts").targets[0]
    levels = returns.target_levels(priced_db, target)
    y = dict(priced_db.execute("select date, close from prices where symbol='DGS2'").fetchall())
    assert returns.forward_return(levels, "2024-07-10", 1) == pytest.approx(-(y["2024-07-11"] - y["2024-07-10"]))
    # 2024-10-14 (Columbus Day): NYSE open, bond market closed -> the last known yield carries forward
    assert "2024-10-14" not in y
    assert levels["2024-10-14"] == pytest.approx(-y["2024-10-11"])


def test_csv_validation_names_symbol_and_date_and_stores_nothing(db, tmp_path):
    load_prices(db, source="bundled")
    before = count(db)
    bad = write(tmp_path, "XYZ.csv", HEADER + bar("2024-01-02", 10) + bar("2024-01-03", -5) + bar("2024-01-04", 11))
    with pytest.raises(AnalyzerError, match=r"XYZ 2024-01-03: non-positive open -5"):
        load_prices(db, ["XYZ"], source=f"csv:{bad}")
    dup = write(tmp_path, "DUP.csv", HEADER + bar("2024-01-02", 10) + bar("2024-01-03", 11) + bar("2024-01-03", 12))
    with pytest.raises(AnalyzerError, match=r"DUP 2024-01-03: duplicate date with different values"):
        load_prices(db, source=f"csv:{dup}")
    assert count(db) == before  # nothing already stored is lost, nothing half-written
    assert db.execute("select count(*) from runs where command='prices' and status='failed'").fetchone()[0] == 2


def test_unsorted_gaps_and_exact_duplicates_are_warnings_with_symbol_and_date(db, tmp_path):
    # 2024-01-05 is missing (a session); rows out of order; one exact duplicate
    text = (
        HEADER
        + bar("2024-01-03", 11)
        + bar("2024-01-02", 10)
        + bar("2024-01-04", 12)
        + bar("2024-01-04", 12)
        + bar("2024-01-08", 13)
    )
    summary = load_prices(db, ["ABC"], source=f"csv:{write(tmp_path, 'abc.csv', text)}")
    w = summary.warnings
    assert any(x.startswith("ABC 2024-01-02: unsorted input") for x in w), w
    assert any(x.startswith("ABC 2024-01-04: duplicate date (identical") for x in w), w
    assert any(x.startswith("ABC 2024-01-05: gap") for x in w), w
    assert not any("2024-01-06" in x or "2024-01-07" in x for x in w)  # a weekend is no gap
    dates = [r[0] for r in db.execute("select date from prices where symbol='ABC' order by rowid")]
    assert sorted(dates) == ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-08"]


def test_fred_series_empty_values_are_holidays_missing_weekdays_are_gaps(db, tmp_path):
    text = "observation_date,DGS9\n2024-01-01,\n2024-01-02,4.33\n2024-01-03,4.33\n2024-01-05,4.39\n2024-01-08,.\n2024-01-09,-0.1\n"
    summary = load_prices(db, source=f"csv:{write(tmp_path, 'DGS9.csv', text)}")
    assert summary.symbols["DGS9"].rows == 4  # a negative yield is a valid level
    assert summary.warnings == ("DGS9 2024-01-04: gap: weekday missing from the series",)
    assert db.execute("select open, close from prices where symbol='DGS9' and date='2024-01-05'").fetchone() == (
        None,
        4.39,
    )


def test_reload_upserts_and_keeps_what_was_stored(db):
    load_prices(db, source="bundled")
    total = count(db)
    again = load_prices(db, ["IWM"], source="bundled", start="2024-07-01", end="2024-07-31")
    assert again.symbols["IWM"].inserted == 0 and again.symbols["IWM"].updated == 22
    assert count(db) == total


def test_csv_import_of_the_real_shared_files(db, shared_prices):
    summary = load_prices(db, ["IWM", "SPY", "QQQ", "DGS2"], source=f"csv:{shared_prices}", start="2020-01-01")
    assert all(v.rows > 1400 for v in summary.symbols.values())
    assert summary.warnings == ()
    closes = dict(
        db.execute(
            "select date, close from prices where symbol='IWM' and date between '2024-07-08' and '2024-07-19'"
        ).fetchall()
    )
    assert [round(closes[d], 2) for d in ("2024-07-08", "2024-07-09", "2024-07-16", "2024-07-19")] == [
        202.28,
        201.40,
        224.60,
        216.84,
    ]


def test_missing_series_is_a_clear_error_naming_it(db, tmp_path):
    load_prices(db, ["IWM"], source="bundled")
    with pytest.raises(AnalyzerError, match=r"missing price series QQQ, SPY \(needed by target IWM-SPY, IWM-QQQ\)"):
        returns.check_targets(db, load_themes().get("small_cap_rotation").targets)
    with pytest.raises(AnalyzerError, match=r"no price file for symbol NOPE"):
        load_prices(db, ["NOPE"], source="bundled")


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there any more: connections are refused, offline-like
    return port


def test_stooq_offline_is_a_one_line_error(tmp_path, monkeypatch):
    monkeypatch.setenv("ANALYZE_STOOQ_URL", f"http://127.0.0.1:{_closed_port()}/q/d/l/")
    runner = CliRunner()
    res = runner.invoke(main, ["prices", "--db", str(tmp_path / "s.db"), "--source", "stooq", "--symbols", "IWM"])
    assert res.exit_code == 1
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: stooq: cannot download IWM"), res.output
    assert "Traceback" not in res.output


def test_yfinance_offline_or_absent_is_a_one_line_error(tmp_path, monkeypatch):
    # no network is ever contacted: without the package the error comes first; with it, the
    # proxy points at a closed loopback port
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{_closed_port()}")
    res = CliRunner().invoke(
        main, ["prices", "--db", str(tmp_path / "y.db"), "--source", "yfinance", "--symbols", "IWM"]
    )
    assert res.exit_code == 1
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith(("error: yfinance", "error: --source yfinance needs")), res.output


def test_stooq_csv_is_parsed_from_a_real_local_server(db, monkeypatch):
    body = b"Date,Open,High,Low,Close,Volume\n2024-07-09,200,202,199,201.40,100\n2024-07-10,201,204,200,203.37,120\n"
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("ANALYZE_STOOQ_URL", f"http://127.0.0.1:{server.server_port}/q/d/l/")
        summary = load_prices(db, ["IWM"], source="stooq")
    finally:
        server.shutdown()
    assert "s=iwm.us" in seen[0]
    assert summary.symbols["IWM"].rows == 2
    # no Adj Close column: the close stands in for it
    assert db.execute("select adj_close, source from prices where date='2024-07-10'").fetchone() == (203.37, "stooq")


def test_cli_prices_and_bad_arguments(tmp_path):
    runner = CliRunner()
    path = str(tmp_path / "cli.db")
    res = runner.invoke(main, ["prices", "--db", path, "--symbols", "IWM,SPY", "--start", "2024-01-01"])
    assert res.exit_code == 0, res.output
    assert "IWM 252 rows 2024-01-02..2024-12-31" in res.output
    res = runner.invoke(main, ["prices", "--db", path, "--start", "2024-13-01"])
    assert res.exit_code == 2 and "'--start': '2024-13-01': expected a date" in res.output
    res = runner.invoke(main, ["prices", "--db", path, "--source", "ftp"])
    assert res.exit_code == 2 and "unknown price source 'ftp'" in res.output
