"""Training and evaluation: everything `analyze train` and `analyze eval` run.

Nothing under `analyzer.nlp` (inference) imports from here; training reads labelled data from
../shared/data (resolved at run time, never copied) and writes artifacts into models/.

    lora               low-rank adapters on the MiniLM encoder (both trainers use them)
    sentiment_data     the labelled sentiment sets and their dev splits
    sentiment          fine-tunes the shipped sentiment model
    evaluate           accuracy / macro-F1 of sentiment models
    realtext           real market text (../shared/data/news) cut into labelling units, by reference
    label_pool         draws the real units to label and freezes their blind split
    claims_data        the claim model's labelled sentences: real, written, project
    counterfactuals    real training sentences with their direction reversed by a minimal edit
    claims             trains and evaluates the claim model
    teacher            the larger encoder that teaches it at training time (all-mpnet-base-v2 from PyPI)
    project_data       the project set (own writing + references into saved feeds)
    project_build      rebuilds the project set from its sources (models/claims/labels/project_src)
    project_templates  template sentences of the project set
"""
