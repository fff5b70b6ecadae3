"""The peer of `trygg import points` in bench/import.sh: a plain, unvalidated
pandas `read_csv` + `to_sql` of the same CSV files into a fresh SQLite file.

Usage: python bench/import_peer.py DB FILE...   (prints one JSON line)

Only the two pandas calls per file are timed (time.perf_counter()), not the
Python start-up or `import pandas`, so the figure is pandas at its best.
"""

import json
import os
import sqlite3
import sys
import time


def main() -> None:
    db, files = sys.argv[1], sys.argv[2:]
    import pandas as pd

    if os.path.exists(db):
        os.remove(db)
    con = sqlite3.connect(db)
    rows = 0
    start = time.perf_counter()
    for f in files:
        df = pd.read_csv(f)
        df.to_sql("crimes", con, if_exists="append", index=False)
        rows += len(df)
    con.commit()
    seconds = time.perf_counter() - start
    con.close()
    print(json.dumps({"rows": rows, "seconds": seconds, "pandas": pd.__version__}))


if __name__ == "__main__":
    main()
