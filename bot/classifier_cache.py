"""Trained classifier coefficients kept in KIK_DATA_DIR, so that a restart trains nothing.

Training the 14 classifiers (bot.core.classifier) takes 5-6 s of CPU; in that time after a start
the bot answers at about half its settled rate. Loading them from here takes milliseconds. A file
is named by the key of what its classifier was trained on, so an edited language (or a changed
training) finds no file and is trained again; its old file is then removed. Any problem with the
folder (missing, read-only, a damaged file) only means training again, never an error.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

SUFFIX = ".npy"


class ClassifierFiles:
    """A folder of one .npy file per language's classifier coefficients."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def load(self, key: str, shape: tuple[int, int]) -> np.ndarray | None:
        """The coefficients kept under this key, if they are there, whole and of this shape."""
        try:
            coefficients: np.ndarray = np.load(self.folder / f"{key}{SUFFIX}", allow_pickle=False)
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            log.warning("classifier file %s unreadable, training again: %s", key, error)
            return None
        if coefficients.shape != shape or coefficients.dtype != np.float32:
            return None
        return coefficients

    def save(self, key: str, coefficients: np.ndarray) -> None:
        """Keep these coefficients under this key (written whole or not at all), and remove the
        language's older files."""
        language = _language(key)
        temporary: str | None = None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".part")
            with os.fdopen(handle, "wb") as file:
                np.save(file, coefficients, allow_pickle=False)
            os.replace(temporary, self.folder / f"{key}{SUFFIX}")
        except OSError as error:
            log.warning("could not keep the classifier %s: %s", key, error)
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
            return
        for old in self.folder.glob(f"{language}-*{SUFFIX}"):
            if old.stem != key and _language(old.stem) == language:
                with contextlib.suppress(OSError):
                    old.unlink()


def _language(key: str) -> str:
    """The language a key (bot.core.classifier.training_key) is for: "de-3f2a..." -> "de"."""
    return key.rsplit("-", 1)[0]
