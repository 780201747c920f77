"""Which model the service's tagger reads, and what local training reads.

The shipped model (data/nlp/model.npz) is trained from the public corpus alone. A
deployment that trains with its staff's corrections (`python -m bot.nlp train
--with-local-corrections`) keeps its own model outside the repository — NLP_MODEL_PATH, by
default var/nlp-model.npz beside the SQLite database — and the service loads it at start
when NLP_MODEL_PATH is set (a missing or unreadable file stops the start with the reason).
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from bot.config import VAR_DIR, Settings, get_settings
from bot.nlp import model as nlp_model
from bot.nlp.corpus import Row

LOCAL_MODEL_PATH = VAR_DIR / "nlp-model.npz"


class LocalTrainingError(RuntimeError):
    pass


def use_deployment_model(settings: Settings) -> None:
    """Load NLP_MODEL_PATH as the tagger's model (nothing to do when it is unset)."""
    if settings.nlp_model_path is None:
        return
    nlp_model.use_model(settings.nlp_model_path)


def local_training_set(database_url: Optional[str],
                       out: Optional[str]) -> tuple[list[Row], Path]:
    """The corrected messages of the deployment's database (DATABASE_URL unless given) and
    where their model goes (--out, else NLP_MODEL_PATH, else var/nlp-model.npz); never
    over the shipped model."""
    from bot.corrections import training_rows
    from bot.db import make_engine
    from sqlmodel import Session

    settings = get_settings()
    target = Path(out) if out else (settings.nlp_model_path or LOCAL_MODEL_PATH)
    if target.resolve() == nlp_model.DEFAULT_MODEL.resolve():
        raise LocalTrainingError(
            f"{target} is the shipped model (trained from the corpus alone); "
            "write the deployment's own with --out or NLP_MODEL_PATH")
    engine = make_engine(database_url or settings.database_url)
    try:
        with Session(engine) as session:
            rows = training_rows(session, settings.retention_days)
    except Exception as error:
        first_line = (str(error).splitlines() or [""])[0][:200]
        raise LocalTrainingError(f"cannot read the corrections: {type(error).__name__}: "
                                 f"{first_line}") from None
    finally:
        engine.dispose()
    return rows, target
