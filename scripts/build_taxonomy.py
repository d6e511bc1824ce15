"""Generate the shipped taxonomy files (src/narrascope/taxonomy/data/*.yaml) from the SemEval-2025 Task 10 release.

Run once by maintainers: ``python scripts/build_taxonomy.py ../shared/data/semeval2025-task10``. Only the taxonomy
(the organisers' label definitions) is written; no article text.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

OUT = Path(__file__).resolve().parents[1] / "src" / "narrascope" / "taxonomy" / "data"
TITLES = {"URW": "Ukraine-Russia war", "CC": "Climate change"}


def main(data_dir: str) -> None:
    root = Path(data_dir)
    raw = json.loads((root / "taxonomy.json").read_text(encoding="utf-8"))
    OUT.mkdir(parents=True, exist_ok=True)
    for domain in ("URW", "CC"):
        narratives = []
        for name, entry in raw[domain].items():
            subs = []
            for sub_name, definition in entry["subnarratives"].items():
                details = entry.get("subnarrative_details", {}).get(sub_name, {})
                subs.append(
                    {
                        "name": sub_name,
                        "definition": definition,
                        "examples": details.get("examples", ""),
                        "instruction": details.get("instruction", ""),
                        "scored": bool(details.get("in_official_scorer_class_list", True)),
                    }
                )
            narratives.append(
                {
                    "name": name,
                    "definition": entry.get("definition", ""),
                    "example": entry.get("example", ""),
                    "instruction": entry.get("instruction", ""),
                    "subnarratives": subs,
                }
            )
        doc = {
            "domain": domain,
            "title": TITLES[domain],
            "source": "SemEval-2025 Task 10 annotation guidelines (Stefanovitch et al. 2025)",
            "narratives": narratives,
        }
        (OUT / f"{domain.lower()}.yaml").write_text(
            yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8"
        )
    roles = []
    for main_role, entry in raw["roles"].items():
        roles.append(
            {
                "name": main_role,
                "definition": entry.get("definition", ""),
                "fine_roles": [
                    {"name": fine, "definition": d.get("definition", ""), "examples": d.get("conceptual_instances", "")}
                    for fine, d in entry.get("fine_grained_roles", {}).items()
                ],
            }
        )
    (OUT / "roles.yaml").write_text(
        yaml.safe_dump({"main_roles": roles}, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8"
    )
    print(f"wrote taxonomy files to {OUT}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/semeval2025-task10")
