"""The estimator contract shared by the trainable models: parameters from the constructor, set_params, clone."""

from __future__ import annotations

import pytest

from narrascope.components.entities.framer import EntityFramer
from narrascope.components.entities.salience import EntitySalience
from narrascope.components.narratives.classifier import NarrativeClassifier
from narrascope.errors import ConfigError


@pytest.mark.parametrize("model", [NarrativeClassifier(), EntityFramer(), EntitySalience()], ids=type)
def test_params_round_trip_through_clone_and_set_params(model):
    params = model.get_params()
    assert params and all(not name.startswith("_") for name in params)
    name = next(n for n, v in params.items() if isinstance(v, float))
    changed = model.clone(**{name: params[name] + 0.5})
    assert type(changed) is type(model) and changed is not model
    assert changed.get_params()[name] == params[name] + 0.5 and model.get_params()[name] == params[name]
    assert model.set_params(**{name: 0.123}) is model and model.get_params()[name] == 0.123


def test_unknown_parameters_are_refused_with_the_known_ones():
    with pytest.raises(ConfigError, match=r"no parameter nope; known: .*fine_threshold"):
        EntityFramer().set_params(nope=1)


def test_a_clone_is_unfitted():
    fitted = EntitySalience()
    fitted.model_ = object()  # what fit would set
    assert not hasattr(fitted.clone(), "model_")
