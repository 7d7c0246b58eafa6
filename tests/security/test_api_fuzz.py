"""SECURITY.md item 14: every API operation, fuzzed from the OpenAPI schema, gives no 5xx.

schemathesis drives the portal's own WSGI application in-process (so it sees the
test database), authenticated with a real API token. CI also runs the
schemathesis command line against a live server (.ci/run).
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable

from portal.services import api_token_create
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """As Django's test client does: the WSGI handler must not close the test's connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


EXAMPLES_PER_OPERATION = 25


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_item_14_fuzzed_api_operations_never_answer_5xx(owner, agency_a, mode):
    JobFactory(agency=agency_a, created_by=owner)
    token = api_token_create(user=owner, hours=1)
    headers = {"Authorization": f"Token {token}"}
    app = get_wsgi_application()
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", app, headers=headers)
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    # Revoking the token would end the run's authentication: it goes last.
    operations.sort(key=lambda op: "revoke" in op.path)
    assert len(operations) >= 5
    failures: list[str] = []
    generation = (
        schemathesis.GenerationMode.POSITIVE
        if mode == "positive"
        else schemathesis.GenerationMode.NEGATIVE
    )
    for operation in operations:

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=generation))
        def call(case: schemathesis.Case) -> None:
            response = case.call(headers=headers)
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.path} -> {response.status_code} "
                    f"for {case.path_parameters} {case.query} {case.body!r}"
                )
            assert "Traceback" not in response.text

        try:
            call()
        except Unsatisfiable:
            # Nothing to break in this operation (e.g. no parameter to make invalid).
            assert generation == schemathesis.GenerationMode.NEGATIVE
    assert not failures, "\n".join(failures[:20])
