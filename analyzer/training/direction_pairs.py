"""Minimal pairs that teach the claim model which way a move points, for training only.

Real commentary states direction compositionally: yields *rising* is -1 for rate cuts but
Treasuries *rallying* is +1; bets on *hikes* growing is -1, bets on *cuts* growing +1; shorts
*covering* is +1, shorts *adding* -1; an *easing* cycle shorter than hoped is -1, a *hiking* cycle
shorter than feared +1. A first model learned the real sentences by heart and flipped such
directions on new ones (dev stance accuracy 0.65), so these sentences, written for the project,
pair each subject with moves both ways. Each row also says whether its sentences report a move
(backward, factual) or say what will happen (forward; hedged, or speculative with "may"): the
orientation and certainty heads learn from them too. Seeded; never in a dev or blind split.
"""

from __future__ import annotations

import itertools
import random

R, Q, S = "rate_cuts", "short_squeeze", "small_cap_rotation"

# orientation of a row's sentences: moves that happened, or what a cycle or the Fed will do
BACKWARD, FORWARD = "backward", "forward"

# (subjects, moves that give +1, moves that give -1, theme, orientation)
GRID = [
    (
        [
            "Treasury yields",
            "Two-year yields",
            "The 10-year yield",
            "Yields on two-year notes",
            "Short-dated yields",
            "The 10-year Treasury rate",
            "US bond yields",
            "The two-year Treasury yield",
        ],
        [
            "fell",
            "dropped 12 basis points",
            "slid to a three-month low",
            "sank",
            "tumbled after the data",
            "retreated",
            "eased",
            "declined for a third day",
            "plunged",
            "moved lower",
        ],
        [
            "rose",
            "climbed 12 basis points",
            "jumped to a 16-year high",
            "surged",
            "spiked after the data",
            "pushed higher",
            "rose for a third day",
            "soared",
            "moved higher",
            "climbed back above 5%",
        ],
        R,
        BACKWARD,
    ),
    (
        ["Treasuries", "US government bonds", "Two-year notes", "Bonds", "Ten-year Treasuries"],
        ["rallied", "gained", "extended their rally", "climbed as traders sought safety", "advanced", "rebounded"],
        ["slumped", "sold off", "fell", "extended losses", "tumbled", "came under pressure"],
        R,
        BACKWARD,
    ),
    (
        [
            "Inflation",
            "Core inflation",
            "US consumer prices",
            "The core PCE gauge",
            "Services inflation",
            "Wage growth",
        ],
        [
            "cooled",
            "slowed more than expected",
            "eased in May",
            "came in softer than forecast",
            "decelerated",
            "moderated for a third month",
        ],
        [
            "accelerated",
            "heated up",
            "rose faster than expected",
            "came in hotter than forecast",
            "picked up again",
            "stayed stubbornly high",
        ],
        R,
        BACKWARD,
    ),
    (
        ["Fed officials", "Powell", "The Fed chair", "A Fed governor", "Policymakers at the Fed", "The FOMC"],
        [
            "signaled the hiking cycle is over",
            "opened the door to rate cuts",
            "said policy is restrictive enough",
            "flagged the risk of overtightening",
            "sounded more dovish",
            "said cuts could come this year",
        ],
        [
            "signaled more hikes ahead",
            "pushed back against rate-cut bets",
            "said rates must stay higher for longer",
            "warned the fight against inflation is not over",
            "sounded more hawkish",
            "ruled out cuts this year",
        ],
        R,
        BACKWARD,
    ),
    (
        ["Short sellers", "Hedge funds betting against the stock", "Bears in the name", "Funds with short positions"],
        [
            "covered their positions",
            "were forced to buy back shares",
            "rushed to cover",
            "got squeezed as it soared",
            "cut their bearish bets",
            "capitulated",
            "lost billions as the shares jumped",
        ],
        [
            "added to their short positions",
            "ramped up bets against the shares",
            "piled into short bets",
            "increased their bearish wagers",
            "profited as the stock sank",
            "pressed their bets after the downgrade",
        ],
        Q,
        BACKWARD,
    ),
    (
        [
            "Short interest in the stock",
            "Short interest in IWM",
            "Bearish bets on the sector",
            "Short positions in the ETF",
        ],
        ["fell to a two-year low", "dropped sharply", "declined as bears covered", "shrank"],
        ["rose to a record", "climbed sharply", "jumped to the highest in years", "swelled"],
        Q,
        BACKWARD,
    ),
    (
        ["Small caps", "The Russell 2000", "Small-cap stocks", "IWM", "Smaller companies' shares", "The S&P 600"],
        [
            "rallied",
            "outperformed large caps",
            "jumped 3%",
            "ripped higher",
            "beat the Nasdaq 100",
            "drew record inflows",
            "led the market higher",
        ],
        [
            "slumped",
            "lagged large caps",
            "fell 2%",
            "got hammered",
            "trailed the S&P 500",
            "saw heavy outflows",
            "dragged the market lower",
        ],
        S,
        BACKWARD,
    ),
    # how long or deep a cycle will be: a shorter *easing* cycle is -1, a shorter *hiking* cycle +1
    (
        [
            "The easing cycle",
            "The Fed's rate-cut cycle",
            "This round of Fed cuts",
            "The cutting cycle",
            "The Fed's easing campaign",
            "Powell signalled that the easing cycle",
            "Strategists now expect that the Fed's cutting cycle",
            "The central bank made clear that its easing cycle",
        ],
        [
            "will be longer than hoped",
            "will run deeper than markets expect",
            "will last longer than traders had priced",
            "will be much deeper than hoped",
            "will go further than expected",
            "will be longer than the dot plot implies",
        ],
        [
            "will be much shorter than hoped",
            "will be shallower than markets expect",
            "will be over sooner than traders had priced",
            "will be much shorter than expected",
            "may end after just one or two moves",
            "will stop well short of what markets expect",
        ],
        R,
        FORWARD,
    ),
    (
        [
            "The hiking cycle",
            "The Fed's tightening campaign",
            "The Fed's fight against inflation",
            "The Fed's run of rate increases",
            "The tightening cycle",
            "Powell signalled that the hiking cycle",
        ],
        [
            "will be shorter than feared",
            "will end sooner than expected",
            "is nearly over",
            "will be much shorter than markets expect",
            "may end after one more move",
            "is coming to an end",
        ],
        [
            "will last longer than hoped",
            "will run further than markets expect",
            "is far from over",
            "will go on much longer than expected",
            "will need several more moves",
            "still has a long way to go",
        ],
        R,
        FORWARD,
    ),
    (
        ["The Fed", "Policymakers", "Fed officials", "The FOMC", "The central bank"],
        [
            "will deliver more cuts than markets expect",
            "signalled more cuts than hoped",
            "penciled in more reductions for next year",
            "plans to cut faster than traders had priced",
        ],
        [
            "will deliver fewer cuts than hoped",
            "signalled fewer cuts than markets expected",
            "penciled in fewer reductions for next year",
            "plans to cut more slowly than traders had priced",
        ],
        R,
        FORWARD,
    ),
]
# (verbs that make the bet bigger, verbs that make it smaller) x (objects that are -1, objects that are +1)
BET_UP = [
    "Traders boosted bets on",
    "Swap traders priced in",
    "Investors ramped up wagers on",
    "Markets added to bets on",
]
BET_DOWN = [
    "Traders pared bets on",
    "Swap traders priced out",
    "Investors unwound wagers on",
    "Markets scaled back bets on",
]
HAWKISH = ["more Fed rate hikes", "a Fed hike in December", "rates staying higher for longer", "a higher peak Fed rate"]
DOVISH = ["Fed rate cuts", "a Fed cut in September", "an end to Fed hikes", "a Fed pivot next year"]
ROTATE_IN = [
    "Investors rotated into small caps",
    "Money flowed into the Russell 2000",
    "Funds moved into smaller stocks",
]
ROTATE_OUT = ["Investors rotated out of small caps", "Money fled the Russell 2000", "Funds dumped smaller stocks"]


def _labels(orientation: str, move: str = "") -> dict:
    """A row's orientation and certainty: a move that happened is factual; what will happen is
    hedged, or speculative with "may"."""
    if orientation == BACKWARD:
        certainty = "factual"
    else:
        certainty = "speculative" if move.startswith("may ") else "hedged"
    return {"orientation": orientation, "certainty": certainty}


def generate(seed: int = 13, per_cell: int = 3) -> list[dict]:
    """[{"text", "themes", "orientation", "certainty"}]: each subject with a sample of moves both ways."""
    rng = random.Random(seed)
    out = []
    for subjects, up, down, theme, orientation in GRID:
        for subject in subjects:
            for moves, stance in ((up, 1), (down, -1)):
                for move in rng.sample(moves, min(per_cell, len(moves))):
                    out.append({"text": f"{subject} {move}.", "themes": {theme: stance}, **_labels(orientation, move)})
    past = _labels(BACKWARD)
    for verb, obj in itertools.product(BET_UP + BET_DOWN, HAWKISH + DOVISH):
        grows = verb in BET_UP
        dovish = obj in DOVISH
        out.append({"text": f"{verb} {obj}.", "themes": {R: 1 if grows == dovish else -1}, **past})
    for text in ROTATE_IN:
        out.append({"text": f"{text}.", "themes": {S: 1}, **past})
    for text in ROTATE_OUT:
        out.append({"text": f"{text}.", "themes": {S: -1}, **past})
    rng.shuffle(out)
    return out
