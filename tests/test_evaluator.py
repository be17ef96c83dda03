"""The Evaluator: one compiled plan, its own caches, safe to share across threads.

The architecture issue found that 8 threads sharing one pack with a small cache
raised KeyError and "dictionary changed size during iteration": the decision
cache and its eviction lived, unsynchronised, on the "immutable" pack.  Caches
now belong to an Evaluator (decisions) and a TraceEncoder (step texts), both
locked on write; the compiled plan holds no mutable state.

The same workload (8 threads, cache limit 2, 600 subjects × 6 rounds, switch
interval 1 µs) run through the old module-level cache of commit 2ea656b raised
KeyError under three of the four packs.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

import medcredit
from golden_bytes.population import population
from medcredit.engine.evaluation import DecisionCache, Evaluator
from medcredit.render.output import TraceEncoder, to_json

PACKS = ["wushan", "suixian", "zhongmou", "liaoning"]


@pytest.fixture(scope="module")
def subjects() -> list[medcredit.Subject]:
    return [medcredit.Subject.model_validate(d) for d in population(600, seed=7)]


@pytest.fixture
def fast_switching() -> Iterator[None]:
    """Switch threads every microsecond, so unsynchronised shared state shows up."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


@pytest.mark.parametrize("name", PACKS)
def test_eight_threads_with_tiny_caches_give_the_serial_bytes(
    name: str, subjects: list[medcredit.Subject], fast_switching: None
) -> None:
    pack = medcredit.load_pack(name)
    serial = [to_json(medcredit.evaluate(pack, s, 2024), pack) for s in subjects]

    shared = Evaluator(pack, cache=DecisionCache(limit=2))  # evicts on nearly every insert
    encoder = TraceEncoder(pack, limit=3)
    chunks = [subjects[i::8] for i in range(8)]

    def work(chunk: list[medcredit.Subject]) -> list[tuple[str, str]]:
        return [(s.id, encoder.encode(shared.evaluate(s, 2024))) for s in chunk for _ in range(6)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        parallel = dict(pair for part in pool.map(work, chunks) for pair in part)
    assert [parallel[s.id] for s in subjects] == serial
    assert len(shared.cache or ()) <= 2


@pytest.mark.parametrize("name", PACKS)
def test_uncached_cached_and_module_level_agree(name: str, subjects: list[medcredit.Subject]) -> None:
    pack = medcredit.load_pack(name)
    cached, uncached = Evaluator(pack), Evaluator(pack, cache=None)
    encoder = TraceEncoder(pack)
    for s in subjects[:200]:
        expected = to_json(medcredit.evaluate(pack, s, 2024), pack)
        assert to_json(cached.evaluate(s, 2024), pack) == expected
        assert encoder.encode(uncached.evaluate(s, 2024)) == expected
        assert cached.evaluate(s, 2024, trace=False).grade == uncached.evaluate(s, 2024).grade


def test_the_compiled_plan_is_not_changed_by_evaluating(subjects: list[medcredit.Subject]) -> None:
    pack = medcredit.load_pack("wushan")
    before = repr(pack)
    ev = Evaluator(pack)
    for s in subjects[:100]:
        to_json(ev.evaluate(s, 2024), pack)
        TraceEncoder(pack).encode(medcredit.evaluate(pack, s, 2024))
    assert repr(pack) == before


def test_decision_cache_keeps_the_newest_entries_up_to_its_limit() -> None:
    cache = DecisionCache(limit=3)
    decision = Evaluator(medcredit.load_pack("wushan"), cache=None)  # any value will do for the map
    for key in range(5):
        cache.put(key, decision)  # type: ignore[arg-type]
    assert len(cache) == 3
    assert cache.get(0) is None
    assert cache.get(1) is None
    assert cache.get(4) is decision


def test_a_cache_of_no_entries_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        DecisionCache(limit=0)


def test_concurrent_writers_never_exceed_the_limit(fast_switching: None) -> None:
    cache = DecisionCache(limit=4)
    errors: list[BaseException] = []

    def write(offset: int) -> None:
        try:
            for key in range(offset, offset + 2000):
                cache.put(key, None)  # type: ignore[arg-type]
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i * 10_000,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(cache) <= 4


@pytest.mark.parametrize("name", PACKS)
def test_every_step_cites_the_element_it_applied(name: str, subjects: list[medcredit.Subject]) -> None:
    """A class step cites its own class: 辽宁 has two serious_untrust classes, 第十三条 (conduct) and
    第十六条 (while listed); before typed steps both were cited with the first one's article."""
    from medcredit.trace.steps import ClassStep

    pack = medcredit.load_pack(name)
    for s in subjects:
        result = medcredit.evaluate(pack, s, 2024)
        classes = [step for step in result.steps if isinstance(step, ClassStep)]
        if not classes:
            continue
        path = next(p for p in pack.model.paths if p.id == result.path)
        assert [(c.ref, c.cite) for c in classes] == [(c.grade, c.cite) for c in path.classes]
