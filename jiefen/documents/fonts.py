"""The fonts of the documents, in the roles of Chinese official documents (GB/T 9704): body text
in a Song/FangSong-like serif, titles in a heavy serif (the 小标宋 role), headings in a Hei-like
sans. On Debian the Noto CJK families of `fonts-noto-cjk` fill these roles; the PDF embeds
subsets of them, so it reads the same on a machine without them."""

import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from .errors import FontsMissing

DEFAULT_FONTS = {
    "body": "Noto Serif CJK SC",  # 宋体 / 仿宋 role
    "title": "Noto Serif CJK SC",  # 小标宋 role, set bold
    "heading": "Noto Sans CJK SC",  # 黑体 role
}
# Where a font family's files are looked for when fontconfig's fc-list is not there.
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")


def document_fonts() -> dict:
    return {**DEFAULT_FONTS, **getattr(settings, "JIEFEN_DOCUMENT_FONTS", {})}


@lru_cache(maxsize=8)
def _installed_families(probe: tuple) -> frozenset:
    if shutil.which("fc-list"):
        try:
            output = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True, timeout=30).stdout
        except (OSError, subprocess.SubprocessError):
            output = ""
        families = {name.strip() for line in output.splitlines() for name in line.split(",")}
        if families:
            return frozenset(families)
    # No fontconfig tools: look for the files by name (NotoSerifCJK-Regular.ttc …).
    found = set()
    for family in probe:
        stem = family.replace(" ", "").removesuffix("SC")
        for folder in FONT_DIRS:
            root = Path(folder).expanduser()
            if root.is_dir() and any(root.rglob(f"{stem}*")):
                found.add(family)
                break
    return frozenset(found)


def missing_fonts() -> list[str]:
    wanted = tuple(sorted(set(document_fonts().values())))
    installed = _installed_families(wanted)
    return [family for family in wanted if family not in installed]


def require_fonts() -> None:
    """Refuse to make a PDF without the CJK fonts: WeasyPrint would silently fall back to a face
    without Chinese glyphs and print boxes."""
    missing = missing_fonts()
    if missing:
        raise FontsMissing(
            "生成PDF文书需要中文字体 %s，但本机未安装。请安装 Debian 软件包 fonts-noto-cjk"
            "（sudo apt-get install fonts-noto-cjk，scripts/setup.sh 以 root 运行时会自动安装）后重试。"
            % "、".join(missing)
        )
