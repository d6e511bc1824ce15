"""The optional OpenAI-compatible chat client used by the LLM explainer."""
