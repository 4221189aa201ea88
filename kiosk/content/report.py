"""The staff checker's report: every language folder, as text for people or JSON for tools."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.content.loader import ContentLoad, language_folders, load_content
from kiosk.content.problems import Problem, display_path


@dataclass
class CheckReport:
    """The loads of every language folder plus problems from other files (voice profiles)."""

    loads: list[ContentLoad]
    today: dt.date
    extra_errors: list[Problem] = field(default_factory=list)
    extra_warnings: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        """Every error, content first."""
        return [p for load in self.loads for p in load.errors] + self.extra_errors

    @property
    def warnings(self) -> list[Problem]:
        """Every warning, content first."""
        return [p for load in self.loads for p in load.warnings] + self.extra_warnings

    @property
    def exit_status(self) -> int:
        """1 when anything would stop the kiosk loading the content, else 0."""
        return 1 if self.errors else 0

    def as_json(self) -> dict[str, object]:
        """``{"topics": [...], "errors": [...], "warnings": [...]}``."""
        return {
            "topics": [
                {
                    "id": t.id,
                    "title": t.title,
                    "urgency": t.urgency.value,
                    "phrases": list(t.phrases),
                    "reading_age": t.reading_age,
                    "review": "overdue" if t.review_overdue(self.today) else "ok",
                    "language": load.language,
                    "file": display_path(t.file),
                }
                for load in self.loads
                for t in load.topics
            ],
            "errors": [p.as_json() for p in self.errors],
            "warnings": [p.as_json() for p in self.warnings],
        }

    def as_text(self) -> str:
        """The report staff read in a terminal."""
        lines: list[str] = []
        for load in self.loads:
            lines.append(f"Checking {display_path(load.folder)} (language: {load.language})")
            lines.append(f"  {len(load.topics)} topics")
            if load.topics:
                lines.append(f"  {'id':<28} {'urgency':<10} {'reading age':>11}  review")
                for t in load.topics:
                    age = f"{t.reading_age:g}" if t.reading_age is not None else "-"
                    review = "OVERDUE" if t.review_overdue(self.today) else "ok"
                    lines.append(f"  {t.id:<28} {t.urgency.value:<10} {age:>11}  {review}")
        lines.append("  (reading age = Flesch–Kincaid grade + 5; aim for 9 to 11, at most 14)")
        lines.append("Also checked: the voice profile (voices/en.toml)")
        errors, warnings = self.errors, self.warnings
        lines.append("")
        lines.append(f"Errors ({len(errors)}):" if errors else "Errors: none")
        lines.extend(f"  {p.format()}" for p in errors)
        lines.append(f"Warnings ({len(warnings)}):" if warnings else "Warnings: none")
        lines.extend(f"  {p.format()}" for p in warnings)
        lines.append("")
        if errors:
            lines.append(
                f"Result: {len(errors)} errors, {len(warnings)} warnings. The kiosk will NOT use "
                "this content; it keeps showing the last good content until the errors are fixed."
            )
        else:
            lines.append(
                f"Result: 0 errors, {len(warnings)} warnings. The kiosk will use this content."
            )
        return "\n".join(lines)


def check_content(root: Path, today: dt.date | None = None) -> CheckReport:
    """Check every language folder under ``root`` with the kiosk's own loader."""
    today = today or dt.date.today()
    loads = [load_content(folder, language, today) for language, folder in language_folders(root)]
    return CheckReport(loads, today)


def dumps(report: CheckReport) -> str:
    """The JSON report as one string."""
    return json.dumps(report.as_json(), indent=2, ensure_ascii=False)
