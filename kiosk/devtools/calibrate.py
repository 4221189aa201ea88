"""Fit the matcher's evidence calibration on the development half of the voice bench:
``python -m kiosk.devtools.calibrate [--engine pocketsphinx]``.

Every development clip goes through the kiosk's own path (:func:`kiosk.listen.hearing.
hear_utterance`); for each one whose transcript matches something, the features of
:meth:`kiosk.listen.matching.RequestMatcher.evidence_features` are paired with whether that match
is what was asked. A logistic regression (L2, Newton's method) is fitted to them, and the
constants to paste into ``kiosk/listen/matching.py`` are printed, with the false-action rate and
accuracy on the development half at each threshold. The held-out half is never used here.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence


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
    parser.add_argument("--l2", type=float, default=1.0)
    args = parser.parse_args(argv)
    content = load_content(CONTENT_DIR).content
    if content is None:
        print("the seed content has errors", file=sys.stderr)
        return 1
    recogniser, matcher, _, _ = kiosk_listener(content, args.engine)
    selected = [c for c in voiceset.clips() if c.half == "dev"]
    paths = voiceset.build(selected, print)
    rows: list[tuple[list[float], float, bool]] = []
    for clip in selected:
        heard = hear_utterance(recogniser, matcher, read_wav_16k(paths[clip.id])).heard
        said = matcher.match(heard.transcript, 1.0) if heard.transcript else None
        if said is None or isinstance(said, NotRecognised):
            continue
        target = match_target(said)
        features = list(matcher.evidence_features(heard, said))
        rows.append((features, float(target == clip.expected), True))
    x = np.array([r[0] for r in rows])
    y = np.array([r[1] for r in rows])
    mean, scale = x.mean(0), x.std(0) + 1e-9
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    w = np.zeros(z.shape[1])
    penalty = args.l2 * np.diag(np.r_[np.ones(len(w) - 1), 0.0])
    for _ in range(50):
        p = 1 / (1 + np.exp(-z @ w))
        gradient = z.T @ (p - y) + penalty @ w
        hessian = (z.T * (p * (1 - p))) @ z + penalty
        w -= np.linalg.solve(hessian, gradient)
    print(f"_CALIBRATION_MEAN: Final = {tuple(round(float(v), 4) for v in mean)}")
    print(f"_CALIBRATION_SCALE: Final = {tuple(round(float(v), 4) for v in scale)}")
    print(f"_CALIBRATION_WEIGHTS: Final = {tuple(round(float(v), 4) for v in w[:-1])}")
    print(f"_CALIBRATION_BIAS: Final = {round(float(w[-1]), 4)}")
    probability = 1 / (1 + np.exp(-z @ w))
    in_scope = sum(c.in_scope for c in selected)
    for threshold in (0.7, 0.75, 0.8, 0.85, 0.9, 0.95):
        acted = [(p >= threshold and r[2], r[1]) for p, r in zip(probability, rows, strict=True)]
        false = sum(a and not right for a, right in acted)
        right = sum(a and right for a, right in acted)
        print(
            f"threshold {threshold:.2f}: false actions {false}/{len(selected)} "
            f"({false / len(selected):.4f}), acted right {right}/{in_scope} "
            f"({right / max(1, in_scope):.3f})"
        )
    return 0 if not math.isnan(float(w[-1])) else 1


if __name__ == "__main__":
    sys.exit(main())
