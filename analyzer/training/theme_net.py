"""The broad theme regex: recall of anything near a theme, not precision.

Far wider than the theme triggers (models/themes.yml). It picked the sentences to label
(analyzer.training.label_pool) and picks the unlabelled ones the claim teacher labels
(analyzer.training.teacher.pool_units).
"""

import re

THEMEISH = re.compile(
    r"\b(?:Fed\b|Fed's|FOMC|Powell|Federal Reserve|Yellen|rate[- ]?(?:cut|hike|rise|increase)s?|interest[- ]rates?"
    r"|inflation|CPI|PCE|consumer prices?|Treasur(?:y|ies)|yields?|two-year|2-year|10-year|bond market|hawkish|dovish"
    r"|tighten\w*|easing|pivot|basis[- ]points?|payrolls|jobs report|small[- ]?caps?|smaller (?:companies|stocks)"
    r"|Russell|IWM|micro-?caps?|mid-?caps?|rotation|rotat(?:e|ing|ed)|equal[- ]weight|short[- ]sell\w*|short interest"
    r"|short squeeze|squeez\w*|short[- ]covering|shorts\b|shorted|shorting|bearish bets?|short positions?)",
    re.I,
)
