"""Tenant definitions in TOML: load, validate all, then apply all (or nothing); export.

Each domain package contributes its own section with :func:`register_section`; the
tenancy package contributes ``[tenant]``. A section validates its raw value into a clean
one (reporting problems as ``section.key``), applies it to a tenant, and exports it back.
"""

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from app.tenancy.models import Tenant

LOGO_NAMES = ("logo.png", "logo.jpg", "logo.jpeg")


@dataclass
class Problem:
    file: str
    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.location}: {self.message}"


@dataclass
class Report:
    """Collects problems for one file; ``error("tenant.slug", "...")``."""

    file: str
    problems: list[Problem] = field(default_factory=list)

    def error(self, location: str, message: str) -> None:
        self.problems.append(Problem(self.file, location, message))


@dataclass
class ConfigSection:
    key: str
    validate: Callable[[Any, Report, "SyncContext"], Any]
    apply: Callable[[Tenant, Any, Any], list[str]]
    export: Callable[[Tenant], Any]
    required: bool = False
    order: int = 100


SECTIONS: dict[str, ConfigSection] = {}


def register_section(section: ConfigSection) -> None:
    SECTIONS[section.key] = section


def ordered_sections() -> list[ConfigSection]:
    return sorted(SECTIONS.values(), key=lambda section: (section.order, section.key))


def text_value(table, key: str) -> str | None:
    """A stripped text value from a raw TOML table, or None when absent or not text."""
    value = table.get(key) if isinstance(table, dict) else None
    return value.strip() or None if isinstance(value, str) else None


@dataclass
class TenantFile:
    path: Path
    raw: dict
    logo: Path | None
    clean: dict = field(default_factory=dict)

    @property
    def slug(self) -> str | None:
        return text_value(self.raw.get("tenant"), "slug")

    @property
    def parent(self) -> str | None:
        return text_value(self.raw.get("tenant"), "parent")

    @property
    def kind(self) -> str | None:
        return text_value(self.raw.get("tenant"), "kind")


@dataclass(frozen=True)
class ExistingTenant:
    kind: str
    parent: str | None


@dataclass
class SyncContext:
    """What validators may look at besides their own section: every file, and the database."""

    files: list[TenantFile]
    existing: dict[str, ExistingTenant]

    def kind_of(self, slug: str) -> str | None:
        for tenant_file in self.files:
            if tenant_file.slug == slug:
                return tenant_file.kind
        found = self.existing.get(slug)
        return found.kind if found else None

    def parent_of(self, slug: str) -> str | None:
        """The parent after this sync: from the files, else from the database."""
        for tenant_file in self.files:
            if tenant_file.slug == slug:
                return tenant_file.parent
        found = self.existing.get(slug)
        return found.parent if found else None

    def existing_children_of(self, slug: str) -> list[tuple[str, str]]:
        """(slug, kind) of tenants in the database that stay under ``slug`` after this sync.

        Children defined in the files check their own parent, so they are not listed here.
        """
        in_files = {f.slug for f in self.files}
        return [(child, existing.kind) for child, existing in self.existing.items()
                if existing.parent == slug and child not in in_files]


def discover(paths: list[Path]) -> list[Path]:
    """TOML files to load: files as given; folders holding ``tenant.toml``; or a tree of them."""
    found: list[Path] = []
    for path in paths:
        if path.is_file():
            found.append(path)
        elif (path / "tenant.toml").is_file():
            found.append(path / "tenant.toml")
        elif path.is_dir():
            found.extend(sorted(path.glob("*.toml")))
            found.extend(sorted(path.glob("*/tenant.toml")))
        else:
            found.append(path)
    unique: dict[Path, Path] = {}
    for path in found:
        unique.setdefault(path.resolve(), path)
    return list(unique.values())


def read_files(paths: list[Path], problems: list[Problem]) -> list[TenantFile]:
    files = []
    for path in discover(paths):
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            problems.append(Problem(str(path), "file", "not found"))
            continue
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            problems.append(Problem(str(path), "file", f"not valid TOML: {exc}"))
            continue
        logo = None
        if path.name == "tenant.toml":
            logo = next((path.parent / name for name in LOGO_NAMES if (path.parent / name).is_file()), None)
        files.append(TenantFile(path=path, raw=raw, logo=logo))
    return files


def validate(files: list[TenantFile], context: SyncContext) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, Path] = {}
    for tenant_file in files:
        report = Report(str(tenant_file.path))
        for key in tenant_file.raw:
            if key not in SECTIONS:
                report.error(key, f"unknown section (known: {', '.join(sorted(SECTIONS))})")
        for section in ordered_sections():
            if section.key not in tenant_file.raw:
                if section.required:
                    report.error(section.key, "section is missing")
                continue
            tenant_file.clean[section.key] = section.validate(tenant_file.raw[section.key], report, context)
        slug = tenant_file.slug
        if isinstance(slug, str):
            if slug in seen:
                report.error("tenant.slug", f"'{slug}' is also defined in {seen[slug]}")
            seen[slug] = tenant_file.path
        problems.extend(report.problems)
    problems.extend(_cycle_problems(files, context))
    return problems


def _cycle_problems(files: list[TenantFile], context: SyncContext) -> list[Problem]:
    """Parents must not loop, counting tenants that are only in the database."""
    problems = []
    limit = len(files) + len(context.existing) + 1
    for tenant_file in files:
        slug = tenant_file.slug
        node, steps = tenant_file.parent, 0
        if not slug or node == slug:
            continue
        while node and steps <= limit:
            if node == slug:
                problems.append(Problem(str(tenant_file.path), "tenant.parent", "parents form a cycle"))
                break
            node, steps = context.parent_of(node), steps + 1
    return problems


def parents_first(files: list[TenantFile]) -> list[TenantFile]:
    by_slug = {f.slug: f for f in files}
    ordered: list[TenantFile] = []
    placed: set[str] = set()

    def place(tenant_file: TenantFile) -> None:
        if tenant_file.slug in placed:
            return
        parent = tenant_file.clean["tenant"].get("parent")
        if parent in by_slug:
            place(by_slug[parent])
        placed.add(tenant_file.slug)
        ordered.append(tenant_file)

    for tenant_file in files:
        place(tenant_file)
    return ordered


def export_document(tenant: Tenant) -> dict:
    from app.extensions import db
    from app.tenancy.scoping import tenant_scope

    document = {}
    with tenant_scope(db.session, tenant.id):
        for section in ordered_sections():
            value = section.export(tenant)
            if value not in (None, {}, []):
                document[section.key] = value
    return document


def export_toml(tenant: Tenant) -> str:
    return tomli_w.dumps(export_document(tenant), multiline_strings=True)


@dataclass(frozen=True)
class Setting:
    """One key of a small settings table: its default and a check returning an error or None."""

    default: Any
    check: Callable[[Any, dict], str | None]


def settings_section(key: str, settings: dict[str, Setting], *, order: int = 100,
                     cross_check: Callable[[dict], list[tuple[str, str]]] | None = None) -> ConfigSection:
    """A ``[key]`` table of simple values kept in ``tenant.settings[key]`` (defaults filled in)."""

    def validate(raw, report: Report, context: SyncContext) -> dict:
        if not isinstance(raw, dict):
            report.error(key, "must be a table")
            return {}
        clean = {name: setting.default for name, setting in settings.items()}
        bad: set[str] = set()
        for name, value in raw.items():
            if name not in settings:
                report.error(f"{key}.{name}", "unknown key")
                continue
            problem = settings[name].check(value, raw)
            if problem:
                report.error(f"{key}.{name}", problem)
                bad.add(name)
            else:
                clean[name] = value
        checked = {name: value for name, value in clean.items() if name not in bad}
        for name, message in (cross_check(checked) if cross_check else []):
            report.error(f"{key}.{name}", message)
        return clean

    def apply(tenant: Tenant, clean: dict, actor) -> list[str]:
        stored = dict(tenant.settings or {})
        if stored.get(key) == clean:
            return []
        stored[key] = clean
        tenant.settings = stored
        return [key]

    def export(tenant: Tenant):
        return (tenant.settings or {}).get(key)

    return ConfigSection(key=key, validate=validate, apply=apply, export=export, order=order)


def tenant_settings(tenant: Tenant, key: str, settings: dict[str, Setting]) -> dict:
    """The tenant's ``[key]`` settings with defaults for anything not set."""
    stored = (tenant.settings or {}).get(key) or {}
    return {name: stored.get(name, setting.default) for name, setting in settings.items()}


def whole_number(low: int, high: int) -> Callable[[Any, dict], str | None]:
    def check(value, raw) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            return f"must be a whole number from {low} to {high}"
        return None

    return check


def one_of(*choices: str) -> Callable[[Any, dict], str | None]:
    def check(value, raw) -> str | None:
        return None if value in choices else f"must be one of {', '.join(choices)}"

    return check


def list_of_names(max_items: int, max_length: int) -> Callable[[Any, dict], str | None]:
    def check(value, raw) -> str | None:
        if (not isinstance(value, list) or not value or len(value) > max_items
                or not all(isinstance(item, str) and item.strip() and len(item) <= max_length for item in value)):
            return f"must be a list of 1 to {max_items} names of at most {max_length} characters"
        if len({item.strip() for item in value}) != len(value):
            return "lists a name twice"
        return None

    return check
