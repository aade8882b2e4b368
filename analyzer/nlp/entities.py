"""Market entities for spaCy's entity ruler: indices, ETFs, segments, the Fed, data releases,
yields and tickers.

Labels: INDEX, ETF, SEGMENT, CENTRAL_BANK, FED_OFFICIAL, DATA, YIELD, TICKER. The ruler runs
before (and overrides) the statistical NER where that pipeline is installed.
"""

from __future__ import annotations

INDICES = [
    "Russell 2000",
    "Russell 1000",
    "Russell 3000",
    "Russell Microcap",
    "S&P 500",
    "S&P 600",
    "S&P SmallCap 600",
    "S&P MidCap 400",
    "S&P 400",
    "Nasdaq 100",
    "Nasdaq-100",
    "Nasdaq Composite",
    "Nasdaq",
    "Dow Jones Industrial Average",
    "Dow Jones",
    "Dow",
    "Dow Industrials",
    "Stoxx 600",
    "FTSE 100",
    "Nikkei 225",
    "Nikkei",
    "VIX",
    "Cboe Volatility Index",
    "Wilshire 5000",
    "MSCI World",
    "MSCI Emerging Markets",
    "Magnificent Seven",
    "Magnificent 7",
    "Mag 7",
]
ETFS = [
    "IWM",
    "IWO",
    "IWN",
    "IJR",
    "VB",
    "VTWO",
    "SPY",
    "VOO",
    "IVV",
    "QQQ",
    "QQQM",
    "DIA",
    "TLT",
    "SHY",
    "IEF",
    "SHV",
    "BIL",
    "VGSH",
    "SCHO",
    "TBT",
    "TMF",
    "RSP",
    "XLF",
    "XLK",
    "KRE",
    "KBE",
    "ARKK",
    "HYG",
    "LQD",
    "GLD",
    "SLV",
    "USO",
    "EEM",
    "VTI",
    "SPLG",
    "MDY",
    "SMH",
    "SOXX",
]
SEGMENTS = [
    "small caps",
    "small-caps",
    "small cap stocks",
    "small-cap stocks",
    "small-cap",
    "small cap",
    "smallcaps",
    "small-cap index",
    "smaller companies",
    "smaller stocks",
    "microcaps",
    "micro-caps",
    "mid caps",
    "mid-caps",
    "large caps",
    "large-caps",
    "large-cap stocks",
    "megacaps",
    "mega caps",
    "mega-caps",
    "mega-cap tech",
    "megacap tech",
    "mega-cap stocks",
    "big tech",
    "Big Tech",
    "regional banks",
    "meme stocks",
    "most-shorted stocks",
    "heavily shorted stocks",
]
CENTRAL_BANKS = [
    "Fed",
    "the Fed",
    "Federal Reserve",
    "FOMC",
    "Federal Open Market Committee",
    "ECB",
    "European Central Bank",
    "Bank of England",
    "BoE",
    "Bank of Japan",
    "BOJ",
    "BoJ",
    "PBOC",
    "Reserve Bank of India",
    "RBI",
    "Bank of Canada",
    "Swiss National Bank",
    "SNB",
]
# Surnames that are common English names appear only with the first name.
FED_OFFICIALS = [
    "Powell",
    "Jerome Powell",
    "Jay Powell",
    "Waller",
    "Christopher Waller",
    "John Williams",
    "Bowman",
    "Michelle Bowman",
    "Lorie Logan",
    "Goolsbee",
    "Austan Goolsbee",
    "Mary Daly",
    "Bostic",
    "Raphael Bostic",
    "Kashkari",
    "Neel Kashkari",
    "Philip Jefferson",
    "Michael Barr",
    "Lisa Cook",
    "Musalem",
    "Hammack",
    "Kugler",
    "Stephen Miran",
]
DATA = [
    "CPI",
    "core CPI",
    "consumer price index",
    "PCE",
    "core PCE",
    "PPI",
    "producer price index",
    "jobs report",
    "jobs data",
    "payrolls",
    "nonfarm payrolls",
    "non-farm payrolls",
    "NFP",
    "unemployment rate",
    "jobless claims",
    "initial jobless claims",
    "GDP",
    "retail sales",
    "ISM",
    "PMI",
    "JOLTS",
    "inflation data",
    "inflation report",
    "employment report",
    "wage growth",
    "average hourly earnings",
    "dot plot",
    "Beige Book",
    "FOMC minutes",
]
YIELDS = [
    "Treasury yields",
    "Treasury yield",
    "bond yields",
    "yields",
    "2-year yield",
    "two-year yield",
    "10-year yield",
    "ten-year yield",
    "30-year yield",
    "2-year Treasury",
    "10-year Treasury",
    "two-year Treasury",
    "ten-year Treasury",
    "2-year note",
    "10-year note",
    "fed funds rate",
    "federal funds rate",
    "fed funds futures",
    "real yields",
    "Treasuries",
    "T-bills",
    "yield curve",
]

_LABELS = {
    "INDEX": INDICES,
    "SEGMENT": SEGMENTS,
    "CENTRAL_BANK": CENTRAL_BANKS,
    "FED_OFFICIAL": FED_OFFICIALS,
    "DATA": DATA,
    "YIELD": YIELDS,
}


def _token_pattern(phrase: str, *, exact_case: bool) -> list[dict]:
    tokens = [t.text for t in _tokenizer()(phrase)]
    key = "ORTH" if exact_case else "LOWER"
    return [{key: t if exact_case else t.lower()} for t in tokens]


_TOK = None


def _tokenizer():
    global _TOK
    if _TOK is None:
        import spacy

        _TOK = spacy.blank("en").tokenizer
    return _TOK


def ruler_patterns() -> list[dict]:
    """Entity ruler patterns (token patterns so they work on any English tokenizer)."""
    out: list[dict] = []
    for label, phrases in _LABELS.items():
        # Abbreviations and names are case-sensitive ("Fed" is not "fed up"); segments are not.
        exact = label in ("CENTRAL_BANK", "FED_OFFICIAL", "INDEX") or label == "DATA"
        for p in phrases:
            is_upper = p.isupper() or any(c.isupper() for c in p)
            out.append({"label": label, "pattern": _token_pattern(p, exact_case=exact and is_upper)})
    # ETF tickers are matched case-sensitively only (a few are also words).
    for t in ETFS:
        out.append({"label": "ETF", "pattern": [{"ORTH": t}]})
        out.append({"label": "ETF", "pattern": [{"ORTH": "$"}, {"ORTH": t}]})
    # $TICKER (the tokenizer splits "$" off) and (NYSE: XYZ)
    out.append({"label": "TICKER", "pattern": [{"ORTH": "$"}, {"TEXT": {"REGEX": r"^[A-Z]{1,5}$"}}]})
    out.append(
        {
            "label": "TICKER",
            "pattern": [
                {"ORTH": "("},
                {"TEXT": {"REGEX": r"^(NYSE|NASDAQ|Nasdaq|AMEX|OTC|TSX|NYSEAMERICAN)$"}},
                {"ORTH": ":"},
                {"TEXT": {"REGEX": r"^[A-Z][A-Z.]{0,5}$"}},
                {"ORTH": ")"},
            ],
        }
    )
    return out
