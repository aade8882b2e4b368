"""Training and evaluation: everything `analyze train` and `analyze eval` run.

Nothing under `analyzer.nlp` (inference) imports from here; training reads labelled data from
../shared/data (resolved at run time, never copied) and writes artifacts into models/.

    sentiment_data   the labelled sentiment sets and their dev splits
    sentiment        fine-tunes the shipped sentiment model
    evaluate         accuracy / macro-F1 of sentiment models
    stance_data      the labelled stance set (own writing + references into saved feeds)
    stance_build     rebuilds that set from its sources (models/stance/src)
    stance           trains and evaluates the stance and theme heads
"""
