"""A team's own classifier versions in the data dir, beside the shipped one.

    DATA_DIR/models/<version>/       a spaCy pipeline folder (what `nlp train` saves)
    DATA_DIR/models/<version>.json   its figures: when, from how many corrections, dev scores
    DATA_DIR/models/ACTIVE           optional: the version `followup nlp use` pinned

A version is named ``YYYYMMDD-HHMMSS-<12 hex>``: the UTC time it was trained and the sha256 of
its weights and config (every file but ``meta.json``, which records the name itself), so
names sort by age and two trainings that differ cannot share one. The active model is the
pinned version if there is one, else the newest; with no version at all the shipped model
(``nlp/model/``) is used, so a fresh install classifies offline from the package.

Training writes into a staging folder inside ``models/`` and renames it into place, so a
worker never loads a half-written version.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from followup.config import Settings
from followup.errors import FollowupError

VERSION_RE = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{12}$")
ACTIVE_FILE = "ACTIVE"
SHIPPED = "shipped"


class ModelStoreError(FollowupError):
    """An unknown version, or a models folder that cannot be read."""


@dataclass(frozen=True)
class ModelVersion:
    name: str
    path: Path
    figures: dict


def models_dir(settings: Settings) -> Path:
    return settings.data_dir / "models"


def content_hash(folder: Path) -> str:
    """sha256 over the relative path and bytes of every file but meta.json, in path order."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "meta.json"):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def staging_dir(settings: Settings, now: datetime) -> Path:
    """A fresh folder to train into (on the same file system as the versions, for the rename)."""
    root = models_dir(settings)
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = root / f".training-{now.strftime('%Y%m%d%H%M%S')}-{os.getpid()}"
    shutil.rmtree(path, ignore_errors=True)
    return path


def commit_version(settings: Settings, trained: Path, figures: dict, now: datetime) -> ModelVersion:
    """Name the pipeline trained into ``trained`` (a `staging_dir`), move it into place with
    its figures beside it, and make it the active model (a pin from `use` is dropped)."""
    if not (trained / "config.cfg").exists():
        raise ModelStoreError(f"no trained pipeline in {trained}")
    stamp = now.astimezone(timezone.utc)
    name = f"{stamp.strftime('%Y%m%d-%H%M%S')}-{content_hash(trained)[:12]}"
    root = models_dir(settings)
    target = root / name
    if target.exists():  # the same weights trained in the same second: already stored
        shutil.rmtree(trained)
    else:
        _record_name(trained, name)
        trained.rename(target)
    record = {"version": name, "created_at": stamp.isoformat(), **figures}
    _write_atomic(root / f"{name}.json", json.dumps(record, indent=2, sort_keys=True) + "\n")
    (root / ACTIVE_FILE).unlink(missing_ok=True)
    return ModelVersion(name, target, record)


def list_versions(settings: Settings) -> list[ModelVersion]:
    """Every stored version, oldest first."""
    root = models_dir(settings)
    if not root.is_dir():
        return []
    out = []
    for path in sorted(root.iterdir()):
        if path.is_dir() and VERSION_RE.match(path.name) and (path / "config.cfg").exists():
            out.append(ModelVersion(path.name, path, _read_figures(root / f"{path.name}.json")))
    return out


def pinned_version(settings: Settings) -> str | None:
    path = models_dir(settings) / ACTIVE_FILE
    try:
        name = path.read_text().strip()
    except FileNotFoundError:
        return None
    return name or None


def active_version(settings: Settings) -> ModelVersion | None:
    """The model to classify with: the pinned version, else the newest; None: the shipped one."""
    versions = list_versions(settings)
    pinned = pinned_version(settings)
    if pinned == SHIPPED:
        return None
    if pinned:
        for version in versions:
            if version.name == pinned:
                return version
        # A pin to a version deleted by hand: fall back as if unpinned rather than fail every sync.
    return versions[-1] if versions else None


def active_model_path(settings: Settings) -> Path | None:
    """The pipeline folder for `nlp.load_classifier` (None: the shipped model)."""
    version = active_version(settings)
    return version.path if version else None


def use_version(settings: Settings, name: str) -> ModelVersion | None:
    """Pin ``name`` (or ``shipped``) as the active model; returns it (None for shipped)."""
    if name == SHIPPED:
        models_dir(settings).mkdir(mode=0o700, parents=True, exist_ok=True)
        _write_atomic(models_dir(settings) / ACTIVE_FILE, SHIPPED + "\n")
        return None
    for version in list_versions(settings):
        if version.name == name:
            _write_atomic(models_dir(settings) / ACTIVE_FILE, name + "\n")
            return version
    known = ", ".join(v.name for v in list_versions(settings)) or "none stored"
    raise ModelStoreError(f"no model version {name!r} (known: {known}; or {SHIPPED!r})")


def _record_name(folder: Path, name: str) -> None:
    """The version name into meta.json: the classifier reports it as its model_version, so
    every message records which version labelled it."""
    meta_path = folder / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta.setdefault("followup", {})["model_version"] = name
    meta_path.write_text(json.dumps(meta, indent=2, sort_keys=True))


def _read_figures(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ModelStoreError(f"cannot read {path}: {exc}") from None


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)
