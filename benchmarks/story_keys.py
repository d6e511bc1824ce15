"""Compute and keep the story keys of every document of a store that has none (a store written before schema
version 12), and print how many and the CPU time: what the ingests after an upgrade would otherwise compute as they
read the window's storylines.

Usage: python benchmarks/story_keys.py --db STORE
"""

from __future__ import annotations

import argparse
import time

from narrascope.corpus.storylines import keep_story_keys
from narrascope.store import open_store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="SQLite path or postgresql:// URL")
    args = parser.parse_args()
    store = open_store(args.db)
    start = time.process_time()
    done = keep_story_keys(store)
    print(f"{done} documents' story keys computed and kept in {time.process_time() - start:.1f} CPU s "
          f"({store.count_documents()} documents stored)")
    store.close()


if __name__ == "__main__":
    main()
