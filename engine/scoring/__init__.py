"""Scoring: the pipeline, the plugin host, the model, the kernels and training."""
