"""Explanations of the dominant narrative (the ``explain`` step): extractive and optional LLM explainers."""
