"""A person at an X display: reading the screen from Xvfb's framebuffer, typing with xdotool.

No DevTools protocol and no driver: the harness sees the screen as Xvfb keeps it in memory
(`-fbdir`: an XWD image of the screen) and acts through X events (`xdotool`), which reach the
browser as a keyboard and a mouse do. It finds the form's landmarks by their colours (the
page's header bar and its submit button), moves the pointer in a few uneven steps, and types
one key at a time with varied delays and a corrected typo.
"""

from __future__ import annotations

import random
import subprocess
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tools.adversary._common import XDOTOOL

HEADER_RGB = (0x14, 0x21, 0x3D)  # the demo's (and the lender page's) header bar
BUTTON_RGB = (0x1F, 0x6F, 0xEB)  # the submit button's fill
_XWD_FIELDS = 25  # CARD32 fields of an XWD header


class Screen:
    """One Xvfb screen: its framebuffer file and the display xdotool talks to."""

    def __init__(self, display: str, fbdir: Path, rng: random.Random) -> None:
        self.display = display
        self.fb_path = fbdir / "Xvfb_screen0"
        self.rng = rng
        self.pointer = (5, 5)

    def pixels(self) -> npt.NDArray[np.uint8]:
        """The screen as a height x width x 3 RGB array (32-bit TrueColor, as Xvfb -fbdir)."""
        raw = self.fb_path.read_bytes()
        head = np.frombuffer(raw[: _XWD_FIELDS * 4], dtype=">u4")
        header_size, width, height = int(head[0]), int(head[4]), int(head[5])
        byte_order, bits, stride, ncolors = (
            int(head[7]),
            int(head[11]),
            int(head[12]),
            int(head[19]),
        )
        if bits != 32:
            raise RuntimeError(f"framebuffer has {bits} bits per pixel; the harness reads 32")
        start = header_size + ncolors * 12
        data = np.frombuffer(raw[start : start + stride * height], dtype=np.uint8)
        image = data.reshape(height, stride)[:, : width * 4].reshape(height, width, 4)
        # LSBFirst: B, G, R, pad per pixel; MSBFirst: pad, R, G, B
        rgb = image[:, :, 2::-1] if byte_order == 0 else image[:, :, 1:4]
        return np.ascontiguousarray(rgb)

    def find(self, rgb: tuple[int, int, int], min_run: int = 30) -> tuple[int, int] | None:
        """The centre of the tallest band of rows holding at least `min_run` pixels of `rgb`."""
        mask = np.all(self.pixels() == np.array(rgb, dtype=np.uint8), axis=2)
        rows = np.flatnonzero(mask.sum(axis=1) >= min_run)
        if rows.size == 0:
            return None
        bands = np.split(rows, np.flatnonzero(np.diff(rows) > 1) + 1)
        band = max(bands, key=len)
        cols = np.flatnonzero(mask[band].any(axis=0))
        return int(np.median(cols)), int((band[0] + band[-1]) // 2)

    def wait_for(self, rgb: tuple[int, int, int], timeout: float) -> tuple[int, int] | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            where = self.find(rgb)
            if where is not None:
                return where
            time.sleep(0.25)
        return None

    def xdotool(self, *args: str) -> None:
        subprocess.run(
            [str(XDOTOOL), *args],
            env={"DISPLAY": self.display},
            check=True,
            capture_output=True,
            timeout=30,
        )

    def move_to(self, x: int, y: int) -> None:
        """The pointer to (x, y) in a few uneven steps, not in one jump."""
        x0, y0 = self.pointer
        steps = self.rng.randint(4, 9)
        for i in range(1, steps + 1):
            t = i / steps
            jitter = 0 if i == steps else self.rng.randint(-6, 6)
            px, py = round(x0 + (x - x0) * t) + jitter, round(y0 + (y - y0) * t) + jitter
            self.xdotool("mousemove", str(max(px, 0)), str(max(py, 0)))
            time.sleep(self.rng.uniform(0.015, 0.05))
        self.pointer = (x, y)

    def click(self, x: int, y: int) -> None:
        self.move_to(x, y)
        time.sleep(self.rng.uniform(0.08, 0.25))
        self.xdotool("click", "1")

    def key(self, name: str) -> None:
        self.xdotool("key", name)
        time.sleep(self.rng.uniform(0.12, 0.35))

    def type_text(self, text: str, typo: bool = False) -> None:
        """One key at a time, 60-300 ms apart; with `typo`, a wrong letter taken back."""
        for i, char in enumerate(text):
            if typo and i == len(text) // 2:
                self.xdotool("type", "--delay", "0", "--", "q")
                time.sleep(self.rng.uniform(0.2, 0.5))
                self.xdotool("key", "BackSpace")
            self.xdotool("type", "--delay", "0", "--", char)
            time.sleep(min(max(self.rng.gauss(0.14, 0.05), 0.06), 0.3))
