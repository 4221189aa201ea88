"""The evidence calibration's fit and its judgement on voices left out (pure numpy)."""

from __future__ import annotations

import numpy as np

from kiosk.devtools.calibrate import fit, left_out_probabilities, probabilities


def test_the_fit_separates_right_from_wrong_matches() -> None:
    rng = np.random.default_rng(1)
    score = rng.uniform(0.0, 1.0, 400)
    features = np.column_stack([score, rng.normal(0.0, 1.0, 400)])  # the second is noise
    right = (score > 0.5).astype(np.float64)
    model = fit(features, right, 1.0)
    p = probabilities(model, features)
    assert p[score > 0.7].min() > 0.9
    assert p[score < 0.3].max() < 0.1
    assert abs(model[2][0]) > 5 * abs(model[2][1]), "the score matters, the noise does not"


def test_a_voice_left_out_is_judged_by_a_fit_without_it() -> None:
    # Three voices where a high score means a right match, and one where it means a wrong one:
    # a fit that had seen that voice would half learn it; left out, its requests are judged by
    # what the other voices taught, so its wrong matches look right.
    rng = np.random.default_rng(2)
    score = rng.uniform(0.0, 1.0, 400)
    voices = ["a", "b", "c", "odd"] * 100
    right = np.array([float((s > 0.5) != (v == "odd")) for s, v in zip(score, voices, strict=True)])
    features = score[:, None]
    left_out = left_out_probabilities(features, right, voices, 1.0)
    odd = np.array([v == "odd" for v in voices])
    assert left_out[odd & (score > 0.7)].min() > 0.9
    in_sample = probabilities(fit(features, right, 1.0), features)
    assert in_sample[odd & (score > 0.7)].max() < left_out[odd & (score > 0.7)].min()
