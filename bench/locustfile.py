"""Load test users: mixed roles browsing the portal with real sessions (loopback only)."""

from __future__ import annotations

import json
import os
import random

from locust import HttpUser, between, task

# {"role": {"cookie": "...", "paths": ["/", ...]}}, written by bench_load.
PLAN = json.loads(os.environ["PORTAL_LOAD_PLAN"])
ROLES = sorted(PLAN)


class PortalUser(HttpUser):
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        self.role = ROLES[hash(id(self)) % len(ROLES)]
        self.client.cookies.set("sessionid", PLAN[self.role]["cookie"])
        self.paths = PLAN[self.role]["paths"]

    @task
    def browse(self) -> None:
        path = random.choice(self.paths)
        # Group by the route, not the record, so the report stays readable.
        name = PLAN[self.role].get("names", {}).get(path, path)
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} for {path}")
            elif "/login/" in response.url:
                response.failure("session was not accepted")
