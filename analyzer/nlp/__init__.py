"""Language models: the sentiment encoder, baselines, training and evaluation."""
