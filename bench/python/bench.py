"""What api-client's users would otherwise pick: Python requests and httpx
(with pydantic models), against the same local server and payloads.

Run by the Rust harness (`cargo run --release -p api-client-bench -- http`);
prints one JSON object per measurement. Needs `pip install requests httpx
pydantic`; every loop is bounded.
"""

import asyncio
import json
import statistics
import sys
import time

import httpx
import requests
from pydantic import BaseModel, Field, TypeAdapter

BASE = sys.argv[1]
ROUNDS = 3
SMALL = 1000
LARGE = 300
CONCURRENT = 1600


class User(BaseModel):
    id: int = Field(ge=1)
    login: str = Field(min_length=1, max_length=39)
    name: str = Field(max_length=100)
    email: str
    bio: str = Field(max_length=160)
    company: str
    location: str
    blog: str
    followers: int
    following: int
    public_repos: int = Field(le=100_000)
    created_at: str = Field(min_length=20, max_length=20)
    site_admin: bool


USERS = TypeAdapter(list[User])


def report(client, scenario, rates, latencies):
    latencies.sort()
    print(json.dumps({
        "client": client,
        "scenario": scenario,
        "rps": statistics.median(rates),
        "mean_us": statistics.mean(latencies) * 1e6,
        "p50_us": latencies[len(latencies) // 2] * 1e6,
        "p99_us": latencies[int(len(latencies) * 0.99)] * 1e6,
    }), flush=True)


def sequential(client, scenario, call, n):
    for _ in range(20):
        call()
    rates, latencies = [], []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for _ in range(n):
            t = time.perf_counter()
            call()
            latencies.append(time.perf_counter() - t)
        rates.append(n / (time.perf_counter() - start))
    report(client, scenario, rates, latencies)


async def concurrent(n, in_flight):
    rates, latencies = [], []
    async with httpx.AsyncClient() as client:
        async def worker(count):
            for _ in range(count):
                t = time.perf_counter()
                r = await client.get(f"{BASE}/users/42")
                r.raise_for_status()
                User.model_validate_json(r.content)
                latencies.append(time.perf_counter() - t)
        await asyncio.gather(*(worker(5) for _ in range(in_flight)))
        for _ in range(ROUNDS):
            start = time.perf_counter()
            await asyncio.gather(*(worker(n // in_flight) for _ in range(in_flight)))
            rates.append(n / (time.perf_counter() - start))
    report("Python httpx.AsyncClient", "GET 400 B, 16 in flight", rates, latencies)


def main():
    session = requests.Session()
    user_json = json.dumps(json.loads(session.get(f"{BASE}/users/42").content))

    def get_user():
        r = session.get(f"{BASE}/users/42", timeout=(10, 30))
        r.raise_for_status()
        return User.model_validate_json(r.content)

    def get_users():
        r = session.get(f"{BASE}/users", timeout=(10, 30))
        r.raise_for_status()
        return USERS.validate_json(r.content)

    def post_user():
        r = session.post(f"{BASE}/echo", data=user_json, headers={"content-type": "application/json"}, timeout=(10, 30))
        r.raise_for_status()
        return User.model_validate_json(r.content)

    sequential("Python requests.Session", "GET 400 B, sequential", get_user, SMALL)
    sequential("Python requests.Session", "GET 30 KB + validation, sequential", get_users, LARGE)
    sequential("Python requests.Session", "POST 400 B JSON, sequential", post_user, SMALL)

    with httpx.Client() as client:
        def httpx_user():
            r = client.get(f"{BASE}/users/42")
            r.raise_for_status()
            return User.model_validate_json(r.content)
        sequential("Python httpx.Client", "GET 400 B, sequential", httpx_user, SMALL)

    asyncio.run(concurrent(CONCURRENT, 16))


main()
