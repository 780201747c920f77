"""NLP_MODEL_PATH: the service's tagger reads the deployment's own model when it is set,
the shipped one otherwise; a missing file stops the start with the reason."""
from __future__ import annotations

import numpy as np
import pytest

from bot.config import DemoSettings
from bot.nlp import model as nlp_model
from bot.nlp.train import default_thresholds, save
from bot.tagger_model import use_deployment_model


@pytest.fixture
def restore_model():
    kept = nlp_model._MODEL
    yield
    nlp_model._MODEL = kept


def test_the_deployment_model_is_the_one_the_tagger_scores_with(tmp_path, restore_model):
    weights = np.zeros((1, len(nlp_model.OUTPUTS)), dtype=np.float32)
    own = nlp_model.LinearModel(["wtest"], weights, np.zeros(len(nlp_model.OUTPUTS), np.float32),
                                {"thresholds": default_thresholds(), "local_rows": 7})
    path = tmp_path / "nlp-model.npz"
    save(own, path)
    use_deployment_model(DemoSettings(nlp_model_path=path))
    assert nlp_model.get_model().meta["local_rows"] == 7


def test_unset_keeps_the_shipped_model_and_a_missing_file_is_refused(tmp_path, restore_model):
    shipped = nlp_model.get_model()
    use_deployment_model(DemoSettings())
    assert nlp_model.get_model() is shipped
    with pytest.raises(nlp_model.ModelMissing):
        use_deployment_model(DemoSettings(nlp_model_path=tmp_path / "none.npz"))
    assert nlp_model.get_model() is shipped
