"""Language identification (the ``language`` step)."""
