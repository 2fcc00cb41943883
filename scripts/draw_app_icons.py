"""Draw the web app's icons (expense_tracker/web/static/icons/): a receipt with a split line on
the top bar's colour. Run once after changing the mark; the PNGs are committed.

    .venv/bin/python scripts/draw_app_icons.py
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parents[1] / "expense_tracker" / "web" / "static" / "icons"
TOPBAR = "#102a43"  # app.css --topbar, also the manifest's theme colour
PAPER = "#ffffff"
ACCENT = "#f2a900"  # app.css --focus


def draw(size: int, *, maskable: bool) -> Image.Image:
    # Drawn at 4x and scaled down: Pillow's shapes have no anti-aliasing of their own.
    big = size * 4
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    if maskable:
        # A maskable icon fills its square; the mark stays in the central 80% safe zone.
        pen.rectangle((0, 0, big, big), fill=TOPBAR)
        inset = big * 0.28
    else:
        pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 0.22, fill=TOPBAR)
        inset = big * 0.2
    left, top, right, bottom = inset, inset * 0.9, big - inset, big - inset * 0.9
    pen.rounded_rectangle((left, top, right, bottom), radius=big * 0.05, fill=PAPER)
    width = right - left
    line = big * 0.035
    for row in range(3):
        y = top + width * (0.22 + 0.18 * row)
        pen.rounded_rectangle(
            (left + width * 0.16, y, right - width * (0.16 + 0.2 * (row == 2)), y + line),
            radius=line / 2,
            fill=TOPBAR,
        )
    # The split: a bold accent bar across the receipt's foot.
    y = bottom - width * 0.28
    pen.rounded_rectangle(
        (left + width * 0.16, y, right - width * 0.16, y + line * 2.2), radius=line, fill=ACCENT
    )
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        draw(size, maskable=False).save(OUT / f"icon-{size}.png", optimize=True)
    draw(512, maskable=True).save(OUT / "icon-maskable-512.png", optimize=True)
    draw(180, maskable=True).convert("RGB").save(OUT / "apple-touch-icon.png", optimize=True)


if __name__ == "__main__":
    main()
