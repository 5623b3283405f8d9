"""Suggested paragraphs as annotation tasks: a Label Studio import (tasks with the model's
predictions as pre-annotations, and the labelling config), a doccano JSONL import and a CSV sheet.

Every task carries the paragraph's id (`paragraph_id`), document and genre, so that the labels
come back (pipeline/label_import.py) under the ids the pipeline uses.  Formats follow the tools'
documentation: Label Studio tasks `{"data": {...}, "predictions": [{"model_version", "score",
"result": [{"from_name", "to_name", "type": "choices", "value": {"choices": [...]}}]}]}`;
doccano text-classification JSONL `{"text": ..., <meta fields>}`.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import quoteattr

from pipeline.themes import ThemeSet

CHOICES = "themes"  # the name of the Choices control in the labelling config
TEXT = "text"  # the name of the Text object it labels
NONE = "none"  # how a spreadsheet says "no theme" (an empty cell means: not labelled yet)


@dataclass(frozen=True)
class Suggestion:
    """One paragraph to label, with what the model thinks of it now."""

    id: str
    doc: str
    genre: str
    text: str
    predicted: tuple[str, ...]
    scores: dict[str, float]
    uncertainty: float


def labelling_config(themes: ThemeSet) -> str:
    """Label Studio labelling config: the paragraph, its document, and one multi-label Choices
    group with a choice per theme (the definition as hint and as a line of guidance)."""
    lines = ["<View>", '  <Header value="$doc"/>', f'  <Text name="{TEXT}" value="$text"/>']
    for theme in themes.themes:
        lines.append(f'  <Header size="6" value={quoteattr(f"{theme.name}: {theme.definition}")}/>')
    lines.append(f'  <Choices name="{CHOICES}" toName="{TEXT}" choice="multiple" showInline="true">')
    for theme in themes.themes:
        lines.append(f"    <Choice value={quoteattr(theme.name)} hint={quoteattr(theme.definition)}/>")
    lines += ["  </Choices>", "</View>"]
    return "\n".join(lines) + "\n"


def labelstudio_task(s: Suggestion, model_version: str) -> dict:
    """A task whose prediction pre-selects the model's themes (the annotator corrects them)."""
    result = []
    if s.predicted:
        result.append(
            {
                "id": "theme-prediction",
                "from_name": CHOICES,
                "to_name": TEXT,
                "type": "choices",
                "value": {"choices": list(s.predicted)},
            }
        )
    return {
        "data": {
            "text": s.text,
            "paragraph_id": s.id,
            "doc": s.doc,
            "genre": s.genre,
            "uncertainty": round(s.uncertainty, 4),
        },
        "predictions": [{"model_version": model_version, "score": round(1.0 - s.uncertainty, 4), "result": result}],
    }


def doccano_record(s: Suggestion) -> dict:
    """doccano import line: text and metadata.  The prediction goes in metadata only, never in
    `label`: doccano would import it as an annotation and it could come back unreviewed."""
    return {
        "text": s.text,
        "paragraph_id": s.id,
        "doc": s.doc,
        "genre": s.genre,
        "predicted": ";".join(s.predicted) or NONE,
    }


def write_tasks(directory: Path, suggestions: Sequence[Suggestion], themes: ThemeSet, model_version: str) -> list[Path]:
    """Write the four files; returns their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    tasks = directory / "labelstudio-tasks.json"
    config = directory / "labelstudio-config.xml"
    doccano = directory / "doccano.jsonl"
    sheet = directory / "suggestions.csv"
    tasks.write_text(
        json.dumps([labelstudio_task(s, model_version) for s in suggestions], ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8",
    )
    config.write_text(labelling_config(themes), encoding="utf-8")
    doccano.write_text(
        "".join(json.dumps(doccano_record(s), ensure_ascii=False) + "\n" for s in suggestions), encoding="utf-8"
    )
    with sheet.open("w", encoding="utf-8-sig", newline="") as out:  # BOM: spreadsheets detect UTF-8
        writer = csv.writer(out)
        writer.writerow(
            ["id", "doc", "genre", "labels", "predicted", *[f"score_{t}" for t in themes.names], "uncertainty", "text"]
        )
        for s in suggestions:
            predicted = ";".join(s.predicted) or NONE
            scores = [s.scores.get(t, 0.0) for t in themes.names]
            writer.writerow([s.id, s.doc, s.genre, "", predicted, *scores, round(s.uncertainty, 4), s.text])
    return [tasks, config, doccano, sheet]
