"""The narrative-vs-returns study.

comparison   compare(db, theme, ...): every statistic of one theme, stored in the study_* tables
series       return series on the session grid; the Panel of one target
nulls        block-permutation null draws; p, null band and the interval that agrees with p
multiple     Benjamini-Hochberg q-values and Holm (statsmodels)
predictive   effects per horizon (bp per sd), split-sample replication, lead-lag profile and peak
events       event study: abnormal returns after narrative shocks
hits         hit rates of forward-looking claims against the base rate, clustered on sessions
findings     the result in plain words
figures      the PNG figures;  report: the self-contained HTML report
"""
