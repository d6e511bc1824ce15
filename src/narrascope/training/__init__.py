"""Training and evaluation: cross-validation by document, threshold and settings tuning for every model."""
