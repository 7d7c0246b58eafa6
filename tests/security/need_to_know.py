"""The need-to-know walk: every URL pattern and API operation, as a user of another agency.

Generic on purpose (SECURITY.md item 7): the records come from every concrete
AgencyOwned model through its factory_boy factory (any `factories` module
under tests/), the routes from the URL resolvers and the OpenAPI schema, so
routes and models that other apps add later are walked too. A model without a
factory fails the walk: add one to your app's tests/<app>/factories.py.
"""

from __future__ import annotations

import importlib
import itertools
import json
import pkgutil
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import factory
from django.apps import apps
from django.db import connection, models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

import tests
from portal.models import Agency, AgencyOwned, User

ID_PARAM = re.compile(r"^(pk|id|uuid|object_id|.*_pk|.*_id)$")
MAX_COMBINATIONS = 400
# Status codes that show nothing of the record.
REFUSALS = {401, 403, 404, 405, 410}


def agency_owned_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models()
        if issubclass(model, AgencyOwned) and not model._meta.abstract
    ]


def model_factories() -> dict[type[models.Model], type[factory.django.DjangoModelFactory]]:
    """Every DjangoModelFactory in a `factories` module of the tests package, by model."""
    found: dict[type[models.Model], type[factory.django.DjangoModelFactory]] = {}
    for info in pkgutil.walk_packages(tests.__path__, prefix="tests."):
        if not info.name.rsplit(".", 1)[-1].startswith("factories"):
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, factory.django.DjangoModelFactory)
                and value._meta.model is not None
            ):
                found.setdefault(value._meta.model, value)
    return found


def advance_sequences() -> None:
    """Give every table's ids their own distant range, so an id names one record only.

    A detail route fed an id of agency A's record then reaches that record or
    nothing: never, by coincidence, a record the other agency may see.
    """
    with connection.cursor() as cursor:
        for index, model in enumerate(apps.get_models()):
            pk = model._meta.pk
            if not isinstance(pk, models.AutoField | models.BigAutoField):
                continue
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, %s), %s)",
                [model._meta.db_table, pk.column, 50_000_000 + index * 1_000_000],
            )


@dataclass
class Records:
    """Agency A's records (and every record outside agency B), with what identifies them."""

    objects: list[models.Model] = field(default_factory=list)

    @property
    def ids(self) -> set[str]:
        return {str(obj.pk) for obj in self.objects}

    @property
    def urls(self) -> set[str]:
        urls = set()
        for obj in self.objects:
            get_url = getattr(obj, "get_absolute_url", None)
            if get_url is not None:
                try:
                    urls.add(get_url())
                except Exception:  # noqa: S112 - a model whose URL needs more context
                    continue
        return urls

    def string_values(self) -> set[str]:
        values = set()
        for obj in self.objects:
            for model_field in obj._meta.concrete_fields:
                if model_field.unique and isinstance(
                    model_field, models.CharField | models.SlugField | models.UUIDField
                ):
                    value = getattr(obj, model_field.attname)
                    if value:
                        values.add(str(value))
        return values


def build_records(agency_a: Agency, agency_b: Agency) -> Records:
    """One record of every AgencyOwned model in agency A, through the models' factories."""
    factories = model_factories()
    missing = [m._meta.label for m in agency_owned_models() if m not in factories]
    assert not missing, (
        f"No factory for {missing}: add one (tests/<app>/factories.py) so that the "
        "need-to-know walk covers these models."
    )
    for model in agency_owned_models():
        factories[model](agency=agency_a)
    records = Records()
    for model in agency_owned_models():
        records.objects.extend(model._default_manager.exclude(agency=agency_b))
    records.objects.extend(Agency.objects.exclude(pk=agency_b.pk))
    records.objects.extend(User.objects.exclude(agency=agency_b))
    return records


@dataclass(frozen=True)
class Route:
    template: str  # with {name} placeholders
    params: tuple[str, ...]
    name: str
    numeric_params: frozenset[str] = frozenset()  # <int:...> path converters


_ROUTE_PARAM = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")


def _numeric_params(pattern: Any) -> set[str]:
    if hasattr(pattern.pattern, "_route"):
        return {
            m.group("name")
            for m in _ROUTE_PARAM.finditer(str(pattern.pattern))
            if m.group("conv") == "int"
        }
    return set()


def _pattern_text(pattern: Any) -> str | None:
    text = str(pattern.pattern)
    if hasattr(pattern.pattern, "_route"):
        return _ROUTE_PARAM.sub(lambda m: "{" + m.group("name") + "}", text)
    text = text.lstrip("^").rstrip("$").replace("\\Z", "")
    text = _REGEX_GROUP.sub(lambda m: "{" + m.group("name") + "}", text)
    text = text.replace("\\.", ".").replace("\\-", "-")
    if re.search(r"[\\()\[\]?*+|^$]", text):
        return None  # a regex this walk cannot write out (e.g. optional parts)
    return text


def url_routes() -> Iterator[Route]:
    def walk(
        resolver: URLResolver, prefix: str, namespace: str, numeric: frozenset[str]
    ) -> Iterator[Route]:
        for pattern in resolver.url_patterns:
            text = _pattern_text(pattern)
            if text is None:
                continue
            numbers = numeric | _numeric_params(pattern)
            if isinstance(pattern, URLResolver):
                ns = pattern.namespace or ""
                yield from walk(
                    pattern, prefix + text, f"{namespace}{ns}:" if ns else namespace, numbers
                )
            elif isinstance(pattern, URLPattern):
                template = "/" + prefix + text
                params = tuple(re.findall(r"{(\w+)}", template))
                if "format" in params:
                    continue  # DRF's format-suffix duplicates
                name = f"{namespace}{pattern.name or template}"
                yield Route(template, params, name, numbers)

    yield from walk(get_resolver(), "", "", frozenset())


def schema_routes(client: Client) -> Iterator[tuple[Route, list[str]]]:
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for path, operations in schema["paths"].items():
        params = tuple(re.findall(r"{(\w+)}", path))
        methods = [m.upper() for m in operations if m in {"get", "put", "patch", "delete", "post"}]
        yield Route(path, params, f"openapi {path}"), methods


def _values_for(param: str, records: Records, numeric: bool = False) -> list[str]:
    if numeric:
        return sorted(records.ids)
    if ID_PARAM.match(param):
        return sorted(records.ids | {v for v in records.string_values() if "-" in v})
    return sorted(records.string_values())[:50]


def urls_for(route: Route, records: Records) -> Iterator[str]:
    if not route.params:
        yield route.template
        return
    choices = [_values_for(param, records, param in route.numeric_params) for param in route.params]
    for combination in itertools.islice(itertools.product(*choices), MAX_COMBINATIONS):
        yield route.template.format(**dict(zip(route.params, combination, strict=True)))


def _json_ids(data: Any) -> Iterator[str]:
    if isinstance(data, dict):
        for key, value in data.items():
            if (key in ("id", "pk") or key.endswith("_id")) and isinstance(value, int | str):
                yield str(value)
            yield from _json_ids(value)
    elif isinstance(data, list):
        for item in data:
            yield from _json_ids(item)


def leak_in(response: Any, url: str, route: Route, records: Records) -> str | None:
    """What of agency A's records the response shows, or None."""
    status = response.status_code
    if status in REFUSALS:
        return None
    if 300 <= status < 400:
        location = response.get("Location", "")
        if any(location.startswith(record_url) for record_url in records.urls):
            return f"{route.name}: {url} redirects to {location}"
        return None
    if 200 <= status < 300 and any(ID_PARAM.match(p) for p in route.params):
        return f"{route.name}: {url} answered {status} for another agency's record"
    if status >= 500:
        return f"{route.name}: {url} failed with {status}"
    content_type = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8", "replace")
    if "json" in content_type:
        try:
            shown = set(_json_ids(json.loads(text))) & records.ids
        except ValueError:
            shown = set()
        if shown:
            return f"{route.name}: {url} lists ids {sorted(shown)} of another agency"
    for record_url in records.urls:
        if f'href="{record_url}"' in text:
            return f"{route.name}: {url} links to {record_url}"
    return None


def walk(
    client: Client,
    records: Records,
    *,
    include_admin: bool = True,
    visited: set[str] | None = None,
) -> list[str]:
    """Every GET of every URL pattern, and every operation of the API schema."""
    leaks: list[str] = []
    visited = visited if visited is not None else set()
    for route in url_routes():
        if not include_admin and route.name.startswith("admin:"):
            continue
        for url in urls_for(route, records):
            visited.add(url)
            leak = leak_in(client.get(url), url, route, records)
            if leak:
                leaks.append(leak)
    for route, methods in schema_routes(client):
        for url in urls_for(route, records):
            visited.add(url)
            for method in methods:
                if method != "GET" and not route.params:
                    continue  # creating or signing in is not reading someone's record
                response = getattr(client, method.lower())(url, {}, content_type="application/json")
                leak = leak_in(response, url, route, records)
                if leak:
                    leaks.append(f"{method} {leak}")
    return leaks
