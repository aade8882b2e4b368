"""The narrative-vs-returns study.

comparison   compare(db, theme, ...): the statistics of one theme, stored in study_results
stats        correlations, lead-lag, HAC regressions, event study, hit rates
report       the PNG figures and the self-contained HTML report
"""
