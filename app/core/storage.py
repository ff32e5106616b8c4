"""Files uploaded by users, kept outside ``static/`` under ``UPLOAD_FOLDER/<tenant id>/``.

Names are content hashes, so a key never points at changed bytes and cannot be guessed
from another tenant's key; reading checks the key belongs to the tenant asking.
"""

import hashlib
import re
from pathlib import Path

KEY_PATTERN = re.compile(r"^(\d+)/([a-z]+)-([0-9a-f]{64})(\.[a-z]{2,4})$")


def key_for(tenant_id: int, kind: str, data: bytes, *, suffix: str) -> str:
    """The key ``save`` stores these bytes under (the same bytes always get the same key)."""
    return f"{tenant_id}/{kind}-{hashlib.sha256(data).hexdigest()}{suffix}"


def save(root: Path, tenant_id: int, kind: str, data: bytes, *, suffix: str) -> str:
    key = key_for(tenant_id, kind, data, suffix=suffix)
    path = Path(root) / key
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        temporary = path.with_suffix(path.suffix + ".part")
        temporary.write_bytes(data)
        temporary.replace(path)
    return key


def path_for(root: Path, tenant_id: int, key: str | None) -> Path | None:
    """The file behind ``key`` if it belongs to ``tenant_id`` and exists, else None."""
    match = KEY_PATTERN.fullmatch(key or "")
    if match is None or int(match.group(1)) != tenant_id:
        return None
    path = Path(root) / key
    return path if path.is_file() else None
