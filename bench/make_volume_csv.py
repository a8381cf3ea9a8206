#!/usr/bin/env python3
"""Write a CFPB-layout CSV of N complaints for the volume benchmark.

    python3 bench/make_volume_csv.py --rows 1000000 --out /tmp/x/volume.csv [--data DIR]

Reads every CFPB export in the current 18-column layout from DIR (default: the shared data
folder beside the repository, <repo>/../shared/data; see its README.md) and writes their rows
again and again until N rows are written, in the same 18 columns and header. The first pass
keeps each row's own Complaint ID (a row whose ID was already written is skipped, so no ID
repeats); every later pass gives each row a new ID above the largest real one. Nothing else is
changed, so the text, products, dates and empty fields are those of the real exports. The
input files are read in place and never copied; the output goes where --out says (a temporary
directory in bench/run.py). Prints one JSON line: rows, sources, passes, seconds.
"""
import argparse
import csv
import glob
import gzip
import json
import os
import sys
import time

HEADER = [
    "Date received", "Product", "Sub-product", "Issue", "Sub-issue",
    "Consumer complaint narrative", "Company public response", "Company", "State", "ZIP code",
    "Tags", "Consumer consent provided?", "Submitted via", "Date sent to company",
    "Company response to consumer", "Timely response?", "Consumer disputed?", "Complaint ID",
]
ID = HEADER.index("Complaint ID")


def default_data_dir():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return os.path.join(os.path.dirname(repo), "shared", "data")


def read_sources(data_dir):
    """Rows of every .csv.gz in data_dir whose header is the current layout."""
    rows, sources = [], []
    for path in sorted(glob.glob(os.path.join(data_dir, "*.csv.gz"))):
        with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            if next(reader, None) != HEADER:
                continue  # another layout (2014 export, Texas insurance data)
            n = 0
            for row in reader:
                if len(row) == len(HEADER):
                    rows.append(row)
                    n += 1
            sources.append({"file": os.path.basename(path), "rows": n})
    return rows, sources


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--out", required=True)
    ap.add_argument("--data", default=default_data_dir())
    args = ap.parse_args()
    if args.rows < 1:
        ap.error("--rows must be at least 1")

    start = time.monotonic()
    rows, sources = read_sources(args.data)
    if not rows:
        print(f"make_volume_csv: no CFPB export in the 18-column layout in {args.data}",
              file=sys.stderr)
        return 2
    next_id = max(int(r[ID]) for r in rows) + 1

    written, passes, seen = 0, 0, set()
    with open(args.out, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(HEADER)
        while written < args.rows:
            passes += 1
            batch = []
            for row in rows:
                if written + len(batch) >= args.rows:
                    break
                if passes == 1:
                    if row[ID] in seen:
                        continue
                    seen.add(row[ID])
                else:
                    row = row.copy()
                    row[ID] = str(next_id)
                    next_id += 1
                batch.append(row)
            w.writerows(batch)
            written += len(batch)

    print(json.dumps({"rows": written, "passes": passes, "sources": sources,
                      "out": args.out, "bytes": os.path.getsize(args.out),
                      "seconds": round(time.monotonic() - start, 2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
