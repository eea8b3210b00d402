"""The letter's Jinja2 templates: the environment, its filters, the editions and an office's own file.

Why here and apart from the figures: an office edits or replaces a template
(``letter_template`` in the year's parameters, or an edition named in
``editions.yaml``) without touching code, so everything that finds, loads and
checks a template is in one place. The environment escapes every value and
fails on a misspelt name (``StrictUndefined``); the filters word counts and
dates for the template.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import jinja2
import jinja2.nodes
import yaml

from .. import stats, wording
from ..formatting import long_date
from ..yearparams import YearParameters, parse_yaml
from ..errors import LetterInputError


TEMPLATE_DIR = Path(__file__).parent.parent / "templates" / "letter"
TEMPLATE_NAME = "letter.html.j2"


#: The package's letter editions (name -> template and headings); a workbook may add its own
#: in ``editions.yaml`` beside its year files.
EDITIONS_FILE = TEMPLATE_DIR / "editions.yaml"


#: Sections of the template, in letter order: the letter proper ends with
#: ``closing`` (the signature); ``annex`` holds the figures in detail (and the
#: blocks ``tables`` and ``notes`` inside it).
SECTIONS = ("banner", "heading", "key_statistics", "closing", "annex")


def _count(value: Any) -> str:
    """A count with thousands separators; counts are whole numbers of cases."""
    return f"{int(value):,}"


def join_places(places: tuple[str, ...]) -> str:
    """"A", "A and B", "A, B and C": the template's ``join_places`` filter, and the successors of an abolished council."""
    places = list(places)
    return places[0] if len(places) == 1 else ", ".join(places[:-1]) + " and " + places[-1]


class _OwnTemplateLoader(jinja2.BaseLoader):
    """Loads "own:<file>" from the template's folder, keeping that name (a PrefixLoader would drop the prefix)."""

    def __init__(self, folder: jinja2.FileSystemLoader):
        self.folder = folder

    def get_source(self, environment: jinja2.Environment, template: str):
        if not template.startswith("own:"):
            raise jinja2.TemplateNotFound(template)
        return self.folder.get_source(environment, template[len("own:"):])


@functools.lru_cache(maxsize=8)
def _environment(template_dir: str) -> jinja2.Environment:
    own = jinja2.FileSystemLoader(template_dir)
    env = jinja2.Environment(
        # The template itself is loaded as "own:<file>"; any other name it extends, imports or
        # includes is the package's first (letter.html.j2, partials), so an edition's own
        # letter.html.j2 may extend the package's without extending itself.
        loader=jinja2.ChoiceLoader([_OwnTemplateLoader(own), jinja2.FileSystemLoader(str(TEMPLATE_DIR)), own]),
        autoescape=True,  # every value is data: escaped unless the template says otherwise
        undefined=jinja2.StrictUndefined,  # a misspelt name in an office's template fails loudly
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["count"] = _count
    env.filters["longdate"] = long_date
    env.filters["join_places"] = join_places
    env.filters["counted"] = wording.count_phrase
    env.filters["all_of"] = wording.all_of
    env.filters["any_of"] = wording.any_of
    env.filters["none_of"] = wording.none_of
    env.filters["some_of"] = wording.some_of
    env.filters["figure"] = wording.figure_phrase
    env.filters["upper_first"] = wording.upper_first
    env.tests["small_base"] = stats.is_small_base
    env.globals["in_numerals"] = wording.in_numerals
    return env


def load_template(path: Path | None = None) -> jinja2.Template:
    """The letter template: the package's, or an office's replacement file."""
    path = Path(path) if path else TEMPLATE_DIR / TEMPLATE_NAME
    if not path.is_file():
        raise LetterInputError(f"letter template {path} not found; fix 'letter_template' in the parameters file")
    return _environment(str(path.parent.resolve())).get_template(f"own:{path.name}")


@functools.lru_cache(maxsize=32)
def parent_templates(template: jinja2.Template) -> tuple[jinja2.Template, ...]:
    """The templates ``template`` extends, nearest first (empty for a template that extends none)."""
    parents, seen = [], {template.name}
    while template.environment.loader is not None:
        source, _, _ = template.environment.loader.get_source(template.environment, template.name)
        extends = template.environment.parse(source).find(jinja2.nodes.Extends)
        if extends is None or not isinstance(extends.template, jinja2.nodes.Const):
            break
        parent_name = extends.template.value
        template = template.environment.get_template(parent_name, parent=template.name)
        if template.name in seen:
            break
        parents.append(template)
        seen.add(template.name)
    return tuple(parents)


def _read_editions(path: Path) -> dict[str, dict[str, Any]]:
    """One editions file: name -> {template (a resolved path), groups (headings)}; errors name file and key."""
    try:
        data = parse_yaml(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise LetterInputError(f"{path}: cannot read the letter editions ({exc})") from None
    if not isinstance(data, dict):
        raise LetterInputError(f"{path}: expected one block per edition name, e.g. current: {{template: current.html.j2}}")
    editions = {}
    for name, entry in data.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("template"), str):
            raise LetterInputError(f"{path}: key '{name}.template' should name the edition's template file")
        groups = entry.get("groups") or []
        if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
            raise LetterInputError(f"{path}: key '{name}.groups' should be a list of heading names")
        rates = entry.get("rates") or []
        if not isinstance(rates, list) or not all(isinstance(r, str) for r in rates):
            raise LetterInputError(f"{path}: key '{name}.rates' should be a list of rate names, in letter order")
        editions[str(name)] = {"template": (path.parent / entry["template"]).resolve(), "groups": tuple(groups),
                               "rates": tuple(rates), "file": path}
    return editions


def letter_editions(year_params: YearParameters) -> dict[str, dict[str, Any]]:
    """The package's editions, and any a workbook adds in ``editions.yaml`` beside its year file."""
    editions = _read_editions(EDITIONS_FILE)
    own = year_params.source.parent / "editions.yaml" if year_params.source else None
    if own is not None and own.is_file():
        editions.update(_read_editions(own))
    return editions


def edition_template(year_params: YearParameters) -> Path:
    """The template of the year's edition; refuses an unknown edition or missing headings, naming file and key."""
    editions = letter_editions(year_params)
    where = year_params.source or "the parameters"
    edition = editions.get(year_params.edition)
    if edition is None:
        known = ", ".join(sorted(editions))
        raise LetterInputError(f"{where}: key 'edition': unknown letter edition {year_params.edition!r}; known editions: {known}")
    missing = [g for g in edition["groups"] if g not in year_params.decision_groups]
    if missing:
        raise LetterInputError(
            f"{where}: key 'decision_groups' lacks {', '.join(missing)}, which the {year_params.edition!r} edition "
            f"prints ({edition['file']}); list the decision outcomes counted under each"
        )
    return edition["template"]


def year_params_template(year_params: YearParameters) -> Path | None:
    """The office's replacement template named in the parameters file, if any."""
    name = getattr(year_params, "letter_template", None)
    if not name:
        return None
    base = year_params.source.parent if year_params.source else Path.cwd()
    return (base / name).resolve()


def missing_section_message(template: jinja2.Template, name: str, blocks: list[str]) -> str:
    """Why a letter cannot show section ``name``: the template file, the sections it has and those a letter needs."""
    where = template.filename or template.name
    has = ", ".join(f"'{block}'" for block in blocks) or "no {% block %} at all"
    needs = ", ".join(f"'{section}'" for section in SECTIONS)
    return (
        f"the letter template {where} has no section {name!r}; it has {has}. A letter needs the sections {needs}: "
        f"add {{% block {name} %}}...{{% endblock %}} to it, or start it with {{% extends \"{TEMPLATE_NAME}\" %}} "
        "to take the package's sections it does not replace"
    )
