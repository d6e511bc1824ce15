"""Generate the shipped taxonomy file (src/narrascope/taxonomy/data/semeval2025-task10.yaml) from the SemEval-2025 Task 10
release, in the taxonomy file format of ``narrascope.taxonomy.files``.

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
DESCRIPTION = ("The narrative and entity-role taxonomy of SemEval-2025 Task 10 (Stefanovitch et al. 2025): Ukraine-Russia "
               "war (URW) and climate change (CC) narratives.")


def main(data_dir: str) -> None:
    root = Path(data_dir)
    raw = json.loads((root / "taxonomy.json").read_text(encoding="utf-8"))
    OUT.mkdir(parents=True, exist_ok=True)
    domains = []
    for domain in ("URW", "CC"):
        narratives = []
        for name, entry in raw[domain].items():
            subs = []
            for sub_name, definition in entry["subnarratives"].items():
                details = entry.get("subnarrative_details", {}).get(sub_name, {})
                sub = {"name": sub_name, "definition": definition, "examples": details.get("examples", ""),
                       "instruction": details.get("instruction", "")}
                sub = {k: v for k, v in sub.items() if v}
                if not details.get("in_official_scorer_class_list", True):
                    sub["scored"] = False
                subs.append(sub)
            narrative = {"name": name, "definition": entry.get("definition", ""), "examples": entry.get("example", ""),
                         "instruction": entry.get("instruction", "")}
            narratives.append({k: v for k, v in narrative.items() if v} | ({"subnarratives": subs} if subs else {}))
        domains.append({"name": domain, "title": TITLES[domain], "narratives": narratives})
    roles = []
    for main_role, entry in raw["roles"].items():
        fine_roles = [{"name": fine, "definition": d.get("definition", ""), "examples": d.get("conceptual_instances", "")}
                      for fine, d in entry.get("fine_grained_roles", {}).items()]
        roles.append({"name": main_role, "definition": entry.get("definition", ""),
                      "fine_roles": [{k: v for k, v in f.items() if v} for f in fine_roles]})
    doc = {"name": "semeval2025-task10", "description": DESCRIPTION, "domains": domains, "roles": roles}
    (OUT / "semeval2025-task10.yaml").write_text(
        yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8"
    )
    print(f"wrote {OUT / 'semeval2025-task10.yaml'}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/semeval2025-task10")
