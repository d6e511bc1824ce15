"""Pipeline components, one folder per step, each model beside its step: language identification, narratives,
entity framing and explanations."""
