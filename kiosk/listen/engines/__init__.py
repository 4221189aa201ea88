"""Choosing the speech recogniser: the first engine of the profile's order that starts."""

from __future__ import annotations

import logging
from pathlib import Path

from kiosk.listen.engines.pocketsphinx import PocketSphinxRecogniser
from kiosk.listen.engines.vosk import VoskRecogniser
from kiosk.listen.recognition import ENGINE_NAMES, EngineUnavailable, Recogniser
from kiosk.listen.settings import RecogniserSettings

log = logging.getLogger(__name__)


def create_recogniser(
    settings: RecogniserSettings, models_dir: Path, forced: str | None = None
) -> tuple[Recogniser, str]:
    """The first engine of ``settings.engine_order`` that starts (only ``forced`` when given:
    "vosk" or "pocketsphinx"; "auto" or None follows the order), and a plain-words reason for
    the staff screen and the log, e.g. "Vosk model not installed (...); using PocketSphinx
    (embedded model)".

    Raises EngineUnavailable (every engine's reason) when none starts, ValueError for an unknown
    engine name.
    """
    order = settings.engine_order if forced in (None, "auto") else (str(forced),)
    for engine in order:
        if engine not in ENGINE_NAMES:
            raise ValueError(f'unknown speech engine "{engine}"; expected vosk or pocketsphinx')
    failures: list[str] = []
    for engine in order:
        recogniser: Recogniser
        try:
            if engine == "vosk":
                recogniser = VoskRecogniser(models_dir / settings.vosk_model)
                using = f"using Vosk (model {settings.vosk_model})"
            else:
                recogniser = PocketSphinxRecogniser(settings.pronunciations)
                using = "using PocketSphinx (embedded model)"
        except EngineUnavailable as error:
            failures.append(str(error))
            continue
        if forced not in (None, "auto"):
            using += ", as chosen"
        reason = "; ".join([*failures, using])
        log.info("speech recogniser: %s", reason)
        return recogniser, reason
    raise EngineUnavailable("no speech recogniser can start: " + "; ".join(failures))
