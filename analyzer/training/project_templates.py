"""Template sentences of the project set, for training only (never in its test or blind splits).

Subjects x predicates per theme and stance, sampled with a fixed seed: they teach the heads
the verbs and phrases that carry stance, in many combinations. Written by us.
"""

import random

S_SUBJ = [
    "Small caps",
    "The Russell 2000",
    "IWM",
    "Small-cap stocks",
    "Smaller companies",
    "The small-cap index",
    "Shares of smaller companies",
    "Micro-caps",
    "The S&P 600",
    "Small-cap value",
]
S_POS = [
    "rallied {n}% on the day",
    "outperformed large caps for a third week",
    "are beating the S&P 500 this month",
    "drew record inflows",
    "look cheap against mega-cap tech",
    "are poised for a catch-up rally",
    "hit a 52-week high",
    "led the market higher",
    "extended their winning streak",
    "are gaining ground on big tech",
    "posted their strongest month in a year",
    "could keep outperforming as the economy reaccelerates",
    "have room to run, according to strategists",
    "are attracting fresh money from pension funds",
    "broke out above resistance",
    "outpaced the Nasdaq 100 by {n} points",
    "recovered their losses for the year",
    "are the top pick for next year at several banks",
    "continued their comeback",
    "notched a fifth straight gain",
]
S_NEG = [
    "fell {n}% on the day",
    "underperformed large caps for a third week",
    "are lagging the S&P 500 this month",
    "saw heavy outflows",
    "look expensive once you strip out unprofitable firms",
    "are at risk of another leg down",
    "hit a 52-week low",
    "dragged the market lower",
    "extended their losing streak",
    "are losing ground to big tech",
    "posted their weakest month in a year",
    "could keep underperforming as the economy slows",
    "have further to fall, according to strategists",
    "are being dumped by pension funds",
    "broke down below support",
    "trailed the Nasdaq 100 by {n} points",
    "gave back their gains for the year",
    "are the least favoured asset at several banks",
    "abandoned their comeback",
    "notched a fifth straight loss",
]
Q_SUBJ = [
    "Short sellers",
    "Bears",
    "Hedge funds with short positions",
    "Funds betting against the stock",
    "Shorts in the name",
    "Short sellers in meme stocks",
    "Traders who shorted the ETF",
    "Short sellers in small caps",
]
Q_POS = [
    "were forced to cover as the shares jumped {n}%",
    "are scrambling to buy back stock",
    "got squeezed after the upbeat guidance",
    "capitulated as the rally accelerated",
    "booked heavy losses in the squeeze",
    "rushed to cover before the earnings call",
    "were caught off guard by the buyout news",
    "are covering at the fastest pace in years",
    "face a painful squeeze if the rally continues",
    "could be forced out if the stock keeps climbing",
]
Q_NEG = [
    "added to their positions as the shares slid",
    "are pressing their bets after the downgrade",
    "made {n}% on the collapse",
    "increased their bets against the sector",
    "are piling in ahead of earnings",
    "pocketed big gains as the stock sank",
    "have built record positions",
    "doubled their exposure last month",
    "are winning as the stock keeps falling",
    "see more downside and are adding to shorts",
]
Q_SI_POS = [
    "Short interest in {x} fell {n}% as bears covered",
    "A short squeeze lifted {x} {n}% in a day",
    "Short covering drove the jump in {x}",
    "The squeeze in {x} is gathering pace",
]
Q_SI_NEG = [
    "Short interest in {x} rose {n}% to a record",
    "Bearish bets on {x} climbed to the highest in years",
    "Short positions in {x} are building again",
    "The squeeze in {x} has fizzled out",
]
Q_X = ["IWM", "the retailer", "regional banks", "the EV maker", "heavily shorted biotech stocks", "the meme stock"]
R_SUBJ = ["The Fed", "Fed officials", "Powell", "The FOMC", "Policymakers at the Fed", "The central bank"]
R_POS = [
    "signaled it is ready to cut rates",
    "is expected to lower rates at the next meeting",
    "turned more dovish",
    "cut rates by a quarter point",
    "opened the door to easing",
    "sees several cuts this year",
    "said inflation is on a path back to 2%",
    "is moving toward a September cut",
]
R_NEG = [
    "signaled no rush to cut rates",
    "is expected to hold rates steady for longer",
    "turned more hawkish",
    "raised rates by a quarter point",
    "pushed back against easing",
    "sees fewer cuts this year",
    "said inflation is still too high",
    "is in no hurry to lower borrowing costs",
]
R_DATA_POS = [
    "Inflation cooled to {p}% in {m}",
    "Core CPI came in below forecasts in {m}",
    "Payrolls missed estimates in {m}",
    "Two-year Treasury yields fell {n} basis points",
    "Unemployment rose to {p}% in {m}",
    "Traders added bets on rate cuts after the data",
    "Wage growth slowed in {m}",
    "Rate-cut odds jumped after the soft PCE report",
]
R_DATA_NEG = [
    "Inflation heated up to {p}% in {m}",
    "Core CPI came in above forecasts in {m}",
    "Payrolls beat estimates in {m}",
    "Two-year Treasury yields rose {n} basis points",
    "Unemployment fell to {p}% in {m}",
    "Traders cut bets on rate cuts after the data",
    "Wage growth accelerated in {m}",
    "Rate-cut odds dropped after the hot PCE report",
]
MONTHS = ["January", "March", "May", "July", "September", "November"]


def generate(seed: int = 13) -> list[dict]:
    rng = random.Random(seed)
    out = []

    def add(text, themes):
        text = text.format(
            n=rng.choice([2, 3, 4, 5, 8, 12]),
            p=rng.choice(["2.4", "2.9", "3.1", "3.6", "4.2"]),
            m=rng.choice(MONTHS),
            x=rng.choice(Q_X),
        )
        out.append({"text": text[0].upper() + text[1:] + ".", "themes": themes})

    for pred in S_POS:
        for subj in rng.sample(S_SUBJ, 3):
            add(f"{subj} {pred}", {"small_cap_rotation": 1})
    for pred in S_NEG:
        for subj in rng.sample(S_SUBJ, 3):
            add(f"{subj} {pred}", {"small_cap_rotation": -1})
    for pred in Q_POS:
        for subj in rng.sample(Q_SUBJ, 3):
            add(f"{subj} {pred}", {"short_squeeze": 1})
    for pred in Q_NEG:
        for subj in rng.sample(Q_SUBJ, 3):
            add(f"{subj} {pred}", {"short_squeeze": -1})
    for t in Q_SI_POS:
        for _ in range(3):
            add(t, {"short_squeeze": 1})
    for t in Q_SI_NEG:
        for _ in range(3):
            add(t, {"short_squeeze": -1})
    for pred in R_POS:
        for subj in rng.sample(R_SUBJ, 3):
            add(f"{subj} {pred}", {"rate_cuts": 1})
    for pred in R_NEG:
        for subj in rng.sample(R_SUBJ, 3):
            add(f"{subj} {pred}", {"rate_cuts": -1})
    for t in R_DATA_POS:
        for _ in range(3):
            add(t, {"rate_cuts": 1})
    for t in R_DATA_NEG:
        for _ in range(3):
            add(t, {"rate_cuts": -1})
    seen, uniq = set(), []
    for it in out:
        if it["text"] not in seen:
            seen.add(it["text"])
            uniq.append(it)
    return uniq
