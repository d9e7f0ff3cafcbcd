"""Writes the demo product images (public/img/<category>-<colour>.svg).
Run once; the output is committed. Simple flat illustrations, no fonts."""
import pathlib

COLOURS = {"black": "#2b2b2e", "navy": "#1f3a5f", "olive": "#5f6b2f", "sand": "#c8b28a", "rust": "#a4471f", "grey": "#8a8f98"}
SHAPES = {
    "shirts": '<path d="M60 40l25-12h30l25 12 22 30-20 12-12-14v92H70V68L58 82 38 70z" fill="{c}"/><path d="M85 28l15 18 15-18" fill="none" stroke="#fff" stroke-width="3"/>',
    "trousers": '<path d="M68 30h64l10 140h-30l-12-100-12 100H58z" fill="{c}"/><path d="M68 42h64" stroke="#fff" stroke-width="3"/>',
    "jackets": '<path d="M58 42l30-14h24l30 14 18 40-16 8v80H56V90l-16-8z" fill="{c}"/><path d="M100 40v130" stroke="#fff" stroke-width="3"/>',
    "sneakers": '<path d="M30 120c20 0 40-30 60-30l20 18c20 6 50 8 60 22v14H30z" fill="{c}"/><path d="M30 144h140" stroke="#fff" stroke-width="6"/>',
    "boots": '<path d="M60 40h40v70c20 4 50 10 60 28v16H60z" fill="{c}"/><path d="M60 148h100" stroke="#fff" stroke-width="6"/>',
    "kitchen": '<rect x="55" y="60" width="70" height="90" rx="10" fill="{c}"/><path d="M125 80c30 0 30 45 0 45" fill="none" stroke="{c}" stroke-width="10"/>',
    "decor": '<rect x="40" y="55" width="120" height="90" rx="22" fill="{c}"/><path d="M60 75l80 50M140 75l-80 50" stroke="#fff" stroke-opacity=".4" stroke-width="3"/>',
    "camping": '<path d="M100 40l70 120H30z" fill="{c}"/><path d="M100 100l18 60H82z" fill="#fff" fill-opacity=".5"/>',
    "cycling": '<path d="M40 120a60 60 0 0 1 120 0z" fill="{c}"/><path d="M60 100h80" stroke="#fff" stroke-width="4"/>',
    "bags": '<rect x="55" y="50" width="90" height="115" rx="18" fill="{c}"/><path d="M80 50c0-25 40-25 40 0" fill="none" stroke="{c}" stroke-width="8"/><rect x="70" y="105" width="60" height="35" rx="6" fill="#fff" fill-opacity=".35"/>',
    "watches": '<rect x="85" y="25" width="30" height="150" rx="8" fill="{c}"/><circle cx="100" cy="100" r="38" fill="#fff" stroke="{c}" stroke-width="10"/><path d="M100 100V78M100 100h16" stroke="#333" stroke-width="4"/>',
}
out = pathlib.Path(__file__).resolve().parent.parent / "public" / "img"
out.mkdir(parents=True, exist_ok=True)
for leaf, shape in SHAPES.items():
    for name, hex_ in COLOURS.items():
        svg = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 200" width="400" height="400">'
               '<rect width="200" height="200" fill="#f3f1ec"/>' + shape.replace("{c}", hex_) + "</svg>\n")
        (out / f"{leaf}-{name}.svg").write_text(svg)
print(f"wrote {len(SHAPES) * len(COLOURS)} images to {out}")
