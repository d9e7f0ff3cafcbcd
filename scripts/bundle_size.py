"""Print raw, gzip -9 and brotli -q 11 sizes of the JS and Wasm in a pkg folder."""
import brotli, gzip, pathlib, sys

pkg = pathlib.Path(sys.argv[1])
rows, total = [], [0, 0, 0]
for f in sorted(pkg.iterdir()):
    if f.suffix not in (".js", ".wasm"):
        continue
    data = f.read_bytes()
    sizes = (len(data), len(gzip.compress(data, 9)), len(brotli.compress(data, quality=11)))
    rows.append((f.name, *sizes))
    total = [a + b for a, b in zip(total, sizes)]
print(f"{'file':48} {'raw':>10} {'gzip':>10} {'brotli':>10}")
for name, raw, gz, br in rows:
    print(f"{name:48} {raw:>10,} {gz:>10,} {br:>10,}")
print(f"{'total JS + Wasm':48} {total[0]:>10,} {total[1]:>10,} {total[2]:>10,}")
budget = 150 * 1024
print(f"budget: {budget:,} bytes brotli -> {'within' if total[2] <= budget else 'OVER'}")
sys.exit(0 if total[2] <= budget else 1)
