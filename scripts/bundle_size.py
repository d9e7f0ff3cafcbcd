"""Print raw, gzip -9 and brotli -q 11 sizes of the JS and Wasm in a pkg folder.

Every page downloads the main JS and Wasm and the split loader; the lazily
loaded parts (`split_*.wasm`, from `#[lazy]` functions) are fetched only when
called, so they are listed apart and not counted against the budget.
"""
import brotli, gzip, pathlib, sys

pkg = pathlib.Path(sys.argv[1])
BUDGET = 170 * 1024
rows, total, lazy = [], [0, 0, 0], []
for f in sorted(pkg.iterdir()):
    if f.suffix not in (".js", ".wasm"):
        continue
    data = f.read_bytes()
    sizes = (len(data), len(gzip.compress(data, 9)), len(brotli.compress(data, quality=11)))
    if f.name.startswith("split_"):
        lazy.append((f.name, *sizes))
        continue
    rows.append((f.name, *sizes))
    total = [a + b for a, b in zip(total, sizes)]
print(f"{'file':64} {'raw':>10} {'gzip':>10} {'brotli':>10}")
for name, raw, gz, br in rows:
    print(f"{name:64} {raw:>10,} {gz:>10,} {br:>10,}")
print(f"{'every page: JS + Wasm':64} {total[0]:>10,} {total[1]:>10,} {total[2]:>10,}")
for name, raw, gz, br in lazy:
    print(f"{'on demand: ' + name:64} {raw:>10,} {gz:>10,} {br:>10,}")
print(f"budget (every page): {BUDGET:,} bytes brotli -> {'within' if total[2] <= BUDGET else 'OVER'}")
sys.exit(0 if total[2] <= BUDGET else 1)
