"""Narrative classification (the ``narratives`` step): n-gram features, the NarrativeClassifier and its evidence."""
