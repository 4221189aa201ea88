"""Fit the matcher's evidence calibration on the development half of the voice bench:
``python -m kiosk.devtools.calibrate [--engine pocketsphinx] [--l2 10] [--words-only]``.

Every development clip goes through the kiosk's own path (:func:`kiosk.listen.hearing.
hear_utterance`); for each one whose transcript matches something, the features of
:meth:`kiosk.listen.matching.RequestMatcher.evidence_features` are paired with whether that match
is what was asked. A logistic regression (L2, Newton's method) is fitted to them.

Each development clip is heard ``1 + RENDITIONS`` times: as the bench has it, and rendered
again at another rate and pitch with its own noise (:func:`kiosk.devtools.voiceset.renditions`).
One rendering's false actions are few and uncertain (babble rendered a little differently once
moved left-out false actions from 2 to 6 of 750); three renderings rest the choice on 2,250
requests.

The penalty and the acting threshold are chosen on voices the fit has not heard: each
development voice in turn is left out, the rest fitted, and the left-out voice's requests
decided (leave one voice out). Of the penalties ``L2_CHOICES`` and thresholds ``THRESHOLDS``,
the pair that acts rightly on the most in-scope requests with at most ``FALSE_LIMIT`` false
actions out of the fit is chosen; its fit on the whole half is printed as the constants to
paste into ``kiosk/listen/matching.py`` (``_MEANING_*`` and ``ACT_MEANING_EVIDENCE``: the evidence
with the sentence-meaning margin; with ``--words-only``, ``_CALIBRATION_*`` and ``ACT_EVIDENCE``,
the kiosk's evidence when the meaning model is missing). In-sample
figures flatter: a fit decides the requests it was fitted on better than new voices'. The
held-out half is never used here.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

L2_CHOICES: Final = (1.0, 3.0, 10.0, 20.0, 50.0)
THRESHOLDS: Final = tuple(round(0.70 + 0.01 * step, 2) for step in range(28))
"""0.70, 0.71, ... 0.97: steps of 0.05 were too coarse near the limit (0.90 acted wrongly on
0.80 % of left-out voices' requests where 0.94 kept to 0.40 % and still acted rightly on 0.235).
"""
RENDITIONS: Final = 2
"""More renditions of each development clip heard besides the bench's own (``--renditions``).

Four (3,750 requests; 2026-12-07, the same day's hearings) chose penalty 1 and acting at 0.93,
0.286 acted on rightly within 0.40 % false actions on left-out voices (two: penalty 10, 0.925,
0.280). On the held-out half that fit acted rightly on 0.352 / 0.238 / 0.105 (clean / 10 dB /
5 dB) with 5 of 750 wrong, against 0.362 / 0.233 / 0.110 with 4; at 2 / 4 / 7 wrong, 0.186 /
0.219 / 0.262 against 0.206 / 0.235 / 0.262. More hearings of the same voices do not make the
rule better on new ones, and take calibration twice as long. (The constants fitted on three
hearings, as shipped, acted wrongly on 8 of the 1,500 further renditions: 0.53 %.)"""
FALSE_LIMIT: Final = 0.004
"""Half the goal's false actions: a margin for voices and phrasings the set does not have."""


def _standardised(
    features: NDArray[np.float64], mean: NDArray[np.float64], scale: NDArray[np.float64]
) -> NDArray[np.float64]:
    """The features scaled by ``mean`` and ``scale``, with a column of ones for the bias."""
    import numpy as np

    return np.hstack([(features - mean) / scale, np.ones((len(features), 1))])


def fit(
    features: NDArray[np.float64], right: NDArray[np.float64], l2: float
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Mean, scale and weights (the bias last) of a logistic regression with an L2 penalty on
    the weights (not the bias)."""
    import numpy as np

    mean, scale = features.mean(0), features.std(0) + 1e-9
    z = _standardised(features, mean, scale)
    w = np.zeros(z.shape[1])
    penalty = l2 * np.diag(np.r_[np.ones(len(w) - 1), 0.0])
    for _ in range(50):
        p = 1 / (1 + np.exp(-z @ w))
        gradient = z.T @ (p - right) + penalty @ w
        hessian = (z.T * (p * (1 - p))) @ z + penalty
        w -= np.linalg.solve(hessian, gradient)
    return mean, scale, w


def probabilities(
    model: tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]],
    features: NDArray[np.float64],
) -> NDArray[np.float64]:
    import numpy as np

    mean, scale, w = model
    z = _standardised(features, mean, scale)
    return np.asarray(1 / (1 + np.exp(-np.clip(z @ w, -50, 50))), dtype=np.float64)


def left_out_probabilities(
    features: NDArray[np.float64],
    right: NDArray[np.float64],
    groups: Sequence[str],
    l2: float,
) -> NDArray[np.float64]:
    """Each row's probability from a fit without its group (its voice)."""
    import numpy as np

    result = np.zeros(len(features))
    for group in sorted(set(groups)):
        out = np.array([g == group for g in groups])
        result[out] = probabilities(fit(features[~out], right[~out], l2), features[out])
    return result


def main(argv: Sequence[str] | None = None) -> int:
    import numpy as np

    from kiosk.content.loader import load_content
    from kiosk.devtools import voiceset
    from kiosk.listen.audio import read_wav_16k
    from kiosk.listen.hearing import hear_utterance, kiosk_listener
    from kiosk.listen.matching import NotRecognised, match_target
    from kiosk.paths import CONTENT_DIR

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--engine", default="pocketsphinx")
    parser.add_argument("--l2", type=float, default=None, help="only this penalty")
    parser.add_argument(
        "--renditions",
        type=int,
        default=RENDITIONS,
        help="more renditions of each development clip (0: the bench's clips only)",
    )
    parser.add_argument(
        "--words-only",
        action="store_true",
        help="fit the evidence without the meaning margin (the kiosk's fallback when the "
        "sentence-meaning model is missing)",
    )
    args = parser.parse_args(argv)
    content = load_content(CONTENT_DIR).content
    if content is None:
        print("the seed content has errors", file=sys.stderr)
        return 1
    recogniser, matcher, _, _ = kiosk_listener(content, args.engine, meaning=not args.words_only)
    if matcher.meaning is None and not args.words_only:
        print("the sentence-meaning model is not installed (or use --words-only)")
        return 1
    prefix = "_CALIBRATION" if args.words_only else "_MEANING"
    selected = [c for c in voiceset.clips() if c.half == "dev"]
    selected += voiceset.renditions(selected, args.renditions)
    paths = voiceset.build(selected, print)
    rows: list[tuple[list[float], float, str]] = []
    for clip in selected:
        heard = hear_utterance(recogniser, matcher, read_wav_16k(paths[clip.id])).heard
        said = matcher.match(heard.transcript, 1.0) if heard.transcript else None
        if said is None or isinstance(said, NotRecognised):
            continue
        target = match_target(said)
        features = list(matcher.evidence_features(heard, said))
        rows.append((features, float(target == clip.expected), clip.voice))
    x = np.array([r[0] for r in rows])
    y = np.array([r[1] for r in rows])
    voices = [r[2] for r in rows]
    in_scope = sum(c.in_scope for c in selected)

    def figures(probability: NDArray[np.float64], threshold: float) -> tuple[int, int]:
        acted = probability >= threshold
        return int(np.sum(acted & (y == 0))), int(np.sum(acted & (y == 1)))

    best: tuple[int, float, float] | None = None
    for l2 in [args.l2] if args.l2 else L2_CHOICES:
        left_out = left_out_probabilities(x, y, voices, l2)
        for threshold in THRESHOLDS:
            false, right = figures(left_out, threshold)
            print(
                f"left-out voices, L2 {l2:g}, threshold {threshold:.2f}: false actions "
                f"{false}/{len(selected)} ({false / len(selected):.4f}), acted right "
                f"{right}/{in_scope} ({right / max(1, in_scope):.3f})"
            )
            if false <= FALSE_LIMIT * len(selected) and (best is None or right > best[0]):
                best = (right, l2, threshold)
    if best is None:
        print(f"no penalty and threshold keeps false actions within {FALSE_LIMIT:.2%}")
        return 1
    _, l2, chosen = best
    mean, scale, w = model = fit(x, y, l2)
    act = "ACT_EVIDENCE" if args.words_only else "ACT_MEANING_EVIDENCE"
    print(f"chosen: L2 {l2:g}, {act}: Final = {chosen}")
    print(f"{prefix}_MEAN: Final = {tuple(round(float(v), 4) for v in mean)}")
    print(f"{prefix}_SCALE: Final = {tuple(round(float(v), 4) for v in scale)}")
    print(f"{prefix}_WEIGHTS: Final = {tuple(round(float(v), 4) for v in w[:-1])}")
    print(f"{prefix}_BIAS: Final = {round(float(w[-1]), 4)}")
    probability = probabilities(model, x)
    for threshold in THRESHOLDS:
        false, right = figures(probability, threshold)
        print(
            f"in sample, threshold {threshold:.2f}: false actions {false}/{len(selected)} "
            f"({false / len(selected):.4f}), acted right {right}/{in_scope} "
            f"({right / max(1, in_scope):.3f})"
        )
    return 0 if not math.isnan(float(w[-1])) else 1


if __name__ == "__main__":
    sys.exit(main())
