"""Person resolution engine on hand-made cases: comparisons, judgements, thresholds."""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
import pandas as pd
import pytest

from leads.resolution.blocking import (
    DEFAULT_RULES,
    CandidatePairs,
    blocking_key_arrays,
    blocking_key_hashes,
    derived_columns,
    key_hashes,
    rule_keys,
)
from leads.resolution.comparison import FIELD_INDEX, FIELDS, columns_of, compare
from leads.resolution.engine import DIFFERENT, SAME, Judgement, Settings, resolve_persons
from leads.resolution.incremental import PersonIndex
from leads.resolution.model import MatchModel
from leads.resolution.records import PersonRecord, normalise, records_to_frame
from leads.resolution.synthetic import linked_sets


def levels_of(a: PersonRecord, b: PersonRecord) -> dict[str, str]:
    columns = columns_of(normalise(records_to_frame([a, b])))
    row = compare(columns, columns, np.array([0]), np.array([1]))[0]
    return {
        spec.name: ("unknown" if level < 0 else spec.levels[level])
        for spec, level in zip(FIELDS, row.tolist(), strict=True)
    }


def test_nickname_initial_and_transposition_levels() -> None:
    base = PersonRecord(key="1", first_name="Johnathan", last_name="Smith")
    assert (
        levels_of(base, PersonRecord(key="2", first_name="Jon", last_name="SMITH"))["first_name"]
        == "nickname"
    )
    assert (
        levels_of(base, PersonRecord(key="2", first_name="J.", last_name="Smith"))["first_name"]
        == "initial only"
    )
    transposed = levels_of(base, PersonRecord(key="2", first_name="Jonhathan", last_name="Smtih"))
    assert transposed["first_name"] == "typo"
    assert transposed["last_name"] == "typo"
    swapped = levels_of(base, PersonRecord(key="2", first_name="Smith", last_name="Johnathan"))
    assert swapped["first_name"] == "identical"
    assert swapped["last_name"] == "identical"


def test_date_levels_allow_day_month_swap_typo_and_age() -> None:
    base = PersonRecord(key="1", last_name="Smith", date_of_birth="1990-03-04")
    assert (
        levels_of(base, PersonRecord(key="2", date_of_birth="1990-04-03"))["date_of_birth"]
        == "day/month swap or one-digit typo"
    )
    assert (
        levels_of(base, PersonRecord(key="2", date_of_birth="1990-03-07"))["date_of_birth"]
        == "day/month swap or one-digit typo"
    )
    assert (
        levels_of(base, PersonRecord(key="2", date_of_birth="1961-11-20"))["date_of_birth"]
        == "different"
    )
    # Jon Smith, age 33 on an incident of 2023-06-01: born 1989 or 1990.
    aged = PersonRecord(key="2", age=33, age_on=pd.Timestamp("2023-06-01").date())
    assert levels_of(base, aged)["date_of_birth"] == "birth year within one year"
    assert levels_of(base, PersonRecord(key="2"))["date_of_birth"] == "unknown"


def test_address_levels() -> None:
    base = PersonRecord(key="1", street="12 Main St", city="Springfield", zip_code="62704-1234")
    other = PersonRecord(key="2", street="12 main street", city="Springfeild", zip_code="62705")
    found = levels_of(base, other)
    assert found["street_number"] == "identical"
    assert found["street"] == "identical"
    assert found["city"] == "similar"
    assert found["zip"] == "typo"


@pytest.fixture(scope="module")
def population() -> pd.DataFrame:
    left, right, _truth = linked_sets(400, seed=3)
    return pd.concat([left, right], ignore_index=True)


@pytest.fixture(scope="module")
def trained(population: pd.DataFrame) -> MatchModel:
    return resolve_persons(population).model


def test_synthetic_population_resolves_accurately(population: pd.DataFrame) -> None:
    result = resolve_persons(population)
    entity = result.entity_of()
    found = sum(entity[f"a-{index}"] == entity[f"b-{index}"] for index in range(400))
    assert found >= 390
    sizes = pd.Series(result.labels).value_counts()
    assert sizes.max() <= 3
    # Every link carries its score and its per-field reasons.
    link = result.links[0]
    assert link.probability >= 0.99
    assert {reason.field for reason in link.reasons} == {spec.name for spec in FIELDS}
    assert any(reason.weight > 0 for reason in link.reasons)


def the_smiths() -> list[PersonRecord]:
    return [
        PersonRecord(
            key="trace:1:purchaser",
            first_name="Johnathan",
            last_name="Smith",
            date_of_birth="1990-03-04",
            street="12 Main Street",
            city="Springfield",
            state="IL",
            zip_code="62704",
            source="trace",
        ),
        PersonRecord(
            key="trace:2:possessor",
            first_name="John",
            last_name="Smith",
            date_of_birth="1990-03-04",
            street="12 Main St",
            city="Springfield",
            state="IL",
            zip_code="62704",
            source="trace",
        ),
        PersonRecord(
            key="incident:7:suspect",
            first_name="Jon",
            last_name="Smith",
            date_of_birth="1990-04-03",
            street="12 Main Street",
            city="Springfield",
            state="IL",
            zip_code="62704",
            source="incident",
        ),
    ]


def resolve_smiths(
    population: pd.DataFrame, model: MatchModel, judgements: list[Judgement]
) -> dict[str, int]:
    frame = pd.concat([population, records_to_frame(the_smiths())], ignore_index=True)
    return resolve_persons(frame, model=model, judgements=judgements).entity_of()


def test_smiths_are_one_person(population: pd.DataFrame, trained: MatchModel) -> None:
    entity = resolve_smiths(population, trained, [])
    assert (
        entity["trace:1:purchaser"] == entity["trace:2:possessor"] == entity["incident:7:suspect"]
    )


def test_not_the_same_is_never_merged_again_even_through_a_chain(
    population: pd.DataFrame, trained: MatchModel
) -> None:
    judgement = Judgement("trace:1:purchaser", "incident:7:suspect", DIFFERENT)
    entity = resolve_smiths(population, trained, [judgement])
    assert entity["trace:1:purchaser"] != entity["incident:7:suspect"]
    # The possessor may join one of them, never both.
    assert entity["trace:2:possessor"] in (
        entity["trace:1:purchaser"],
        entity["incident:7:suspect"],
    )
    # Undoing the judgement (deleting it) merges them again on the next run.
    undone = resolve_smiths(population, trained, [])
    assert undone["trace:1:purchaser"] == undone["incident:7:suspect"]


def test_same_judgement_forces_a_link_and_undo_splits(
    population: pd.DataFrame, trained: MatchModel
) -> None:
    stranger = {"first_name": "Maria", "last_name": "Kowalski", "date_of_birth": "1971-12-30"}
    frame = pd.concat(
        [
            population,
            records_to_frame(the_smiths()),
            records_to_frame([PersonRecord(key="incident:9:victim", **stranger)]),
        ],
        ignore_index=True,
    )
    judged = [Judgement("trace:1:purchaser", "incident:9:victim", SAME)]
    result = resolve_persons(frame, model=trained, judgements=judged)
    entity = result.entity_of()
    assert entity["trace:1:purchaser"] == entity["incident:9:victim"]
    assert any(match.decision == "judged same" for match in result.links)
    split = resolve_persons(frame, model=trained).entity_of()
    assert split["trace:1:purchaser"] != split["incident:9:victim"]


def test_same_contradicting_not_the_same_is_reported(
    population: pd.DataFrame, trained: MatchModel
) -> None:
    frame = pd.concat([population, records_to_frame(the_smiths())], ignore_index=True)
    judged = [
        Judgement("trace:1:purchaser", "trace:2:possessor", SAME),
        Judgement("trace:2:possessor", "incident:7:suspect", SAME),
        Judgement("trace:1:purchaser", "incident:7:suspect", DIFFERENT),
    ]
    result = resolve_persons(frame, model=trained, judgements=judged)
    entity = result.entity_of()
    assert entity["trace:1:purchaser"] != entity["incident:7:suspect"]
    assert result.conflicts == [("trace:2:possessor", "incident:7:suspect")]


def test_threshold_edges_decide_link_or_review(
    population: pd.DataFrame, trained: MatchModel
) -> None:
    frame = pd.concat([population, records_to_frame(the_smiths())], ignore_index=True)
    base = resolve_persons(frame, model=trained)
    pair = next(
        m for m in base.links if {m.left, m.right} == {"trace:1:purchaser", "incident:7:suspect"}
    )
    at_edge = dataclasses.replace(Settings(), link_threshold=pair.probability)
    linked = resolve_persons(frame, model=trained, settings=at_edge)
    assert any(
        {m.left, m.right} == {pair.left, pair.right} and m.decision == "link" for m in linked.links
    )
    above = dataclasses.replace(
        Settings(), link_threshold=np.nextafter(pair.probability, 2.0), review_threshold=0.01
    )
    reviewed = resolve_persons(frame, model=trained, settings=above)
    queued = [m for m in reviewed.review if {m.left, m.right} == {pair.left, pair.right}]
    assert queued and queued[0].decision == "review"
    assert reviewed.review == sorted(reviewed.review, key=lambda m: -m.probability)


def test_model_round_trips_through_json(trained: MatchModel) -> None:
    again = MatchModel.from_dict(trained.to_dict())
    levels = np.zeros((1, len(FIELDS)), dtype=np.int8)
    levels[0, FIELD_INDEX["last_name"]] = len(FIELDS[FIELD_INDEX["last_name"]].levels) - 1
    assert again.match_weights(levels)[0] == pytest.approx(trained.match_weights(levels)[0])


def test_a_pairs_weight_is_the_prior_plus_each_known_fields_weight(trained: MatchModel) -> None:
    rng = np.random.default_rng(7)
    # Every level of every field, unknown (-1) included, in random rows.
    levels = np.stack([rng.integers(-1, len(spec.levels), 200) for spec in FIELDS], axis=1).astype(
        np.int8
    )
    levels[0] = -1  # nothing known: the prior alone
    prior = math.log2(trained.prior / (1 - trained.prior))
    expected = [
        prior
        + sum(
            math.log2(trained.m[index][level] / trained.u[index][level])
            for index, level in enumerate(row)
            if level >= 0
        )
        for row in levels.tolist()
    ]
    weights = trained.match_weights(levels)
    assert weights[0] == prior
    assert weights.tolist() == pytest.approx(expected)


def test_incremental_index_links_a_new_mention_to_its_entity(
    population: pd.DataFrame, trained: MatchModel
) -> None:
    frame = pd.concat([population, records_to_frame(the_smiths()[:2])], ignore_index=True)
    result = resolve_persons(frame, model=trained)
    index = PersonIndex(trained)
    index.add(frame, result.labels)
    entity = result.entity_of()
    newcomer = the_smiths()[2]
    decision = index.resolve(newcomer)
    assert decision.outcome == "link"
    assert decision.entity == entity["trace:1:purchaser"]
    assert decision.matches[0].reasons
    refused = index.resolve(newcomer, different_entities=frozenset({entity["trace:1:purchaser"]}))
    assert refused.entity != entity["trace:1:purchaser"]
    stranger = PersonRecord(
        key="x", first_name="Quentin", last_name="Zzyzx", date_of_birth="1901-01-01"
    )
    assert index.resolve(stranger).outcome == "new"


def test_pairs_scored_a_chunk_at_a_time_give_the_same_resolution(
    population: pd.DataFrame, trained: MatchModel
) -> None:
    frame = pd.concat([population, records_to_frame(the_smiths())], ignore_index=True).reindex(
        columns=population.columns
    )
    judged = [Judgement("trace:1:purchaser", "incident:7:suspect", DIFFERENT)]
    whole = resolve_persons(frame, model=trained, judgements=judged)
    chunked = resolve_persons(
        frame, model=trained, judgements=judged, settings=Settings(chunk_pairs=97)
    )
    assert whole.candidate_pairs > 97 * 3
    assert chunked.labels == whole.labels
    assert chunked.links == whole.links and chunked.review == whole.review


def test_a_model_trained_on_a_sample_of_the_pairs_still_resolves(
    population: pd.DataFrame,
) -> None:
    pairs = resolve_persons(population).candidate_pairs
    result = resolve_persons(population, settings=Settings(chunk_pairs=pairs // 3))
    entity = result.entity_of()
    assert sum(entity[f"a-{index}"] == entity[f"b-{index}"] for index in range(400)) >= 390
    assert pd.Series(result.labels).value_counts().max() <= 3


@pytest.mark.parametrize("chunk", [1, 50, 10_000_000])
def test_candidate_pairs_come_once_each_and_are_the_pairs_sharing_a_kept_block(
    population: pd.DataFrame, chunk: int
) -> None:
    frame = normalise(population)
    # Two partitions: no pair may cross them.
    partitions = np.arange(len(frame)) % 2
    work = pd.concat([frame, derived_columns(frame)], axis=1)
    expected: set[tuple[int, int]] = set()
    for rule in DEFAULT_RULES:
        keys = rule_keys(work, rule).to_numpy()
        groups: dict[tuple[str, int], list[int]] = {}
        for row, key in enumerate(keys.tolist()):
            if key:
                groups.setdefault((key, int(partitions[row])), []).append(row)
        for rows in groups.values():
            if 2 <= len(rows) <= 40:
                expected.update(itertools.combinations(rows, 2))
    pairs = CandidatePairs(frame, DEFAULT_RULES, max_block_size=40, partitions=partitions)
    found = [
        pair
        for left, right in pairs.chunks(chunk)
        for pair in zip(left.tolist(), right.tolist(), strict=True)
    ]
    assert len(found) == len(set(found)) == len(expected) > 500
    assert set(found) == expected
    # A chunk holds at most one member's pairs (a block of 40: 39) beyond its size.
    assert all(len(left) < chunk + 40 for left, _ in pairs.chunks(chunk))


def test_names_and_an_age_alone_go_to_review_however_probable(trained: MatchModel) -> None:
    on = pd.Timestamp("2025-06-01").date()
    victim = PersonRecord(
        key="incident:1:victim", first_name="Avery", last_name="Holloway", age=30, age_on=on
    )
    namesake = PersonRecord(
        key="incident:2:victim", first_name="Avery", last_name="Holloway", age=31, age_on=on
    )
    uncorroborated = resolve_persons([victim, namesake], model=trained)
    (pair,) = uncorroborated.review
    # Even with the link threshold below the pair's probability, it is reviewed, not linked.
    lenient = dataclasses.replace(Settings(), link_threshold=pair.probability / 2)
    (reviewed,) = resolve_persons([victim, namesake], model=trained, settings=lenient).review
    assert reviewed.decision == "review" and not reviewed.linked
    # A date of birth corroborates the same names: the pair links.
    born = [
        dataclasses.replace(record, age=None, date_of_birth="1994-05-02")
        for record in (victim, namesake)
    ]
    (linked,) = resolve_persons(born, model=trained, settings=lenient).links
    assert linked.decision == "link" and linked.linked
    index = PersonIndex(trained, lenient)
    index.add([victim], [0])
    assert index.resolve(namesake).outcome == "review"


def test_a_rule_keeps_its_smallest_blocks_within_its_pair_budget(population: pd.DataFrame) -> None:
    frame = normalise(population)
    unbounded = CandidatePairs(frame, DEFAULT_RULES, max_pairs_per_record=1e9)
    bounded = CandidatePairs(frame, DEFAULT_RULES, max_pairs_per_record=0.2)
    budget = 0.2 * len(frame)
    trimmed = 0
    for all_blocks, kept_blocks in zip(unbounded.blocks, bounded.blocks, strict=True):
        sizes = np.bincount(all_blocks[all_blocks >= 0])
        kept = np.bincount(kept_blocks[kept_blocks >= 0], minlength=len(sizes))
        assert (kept * (kept - 1) // 2).sum() <= budget
        # Kept blocks are whole, and none is larger than a skipped one.
        assert set(np.flatnonzero(kept).tolist()) <= set(np.flatnonzero(sizes).tolist())
        assert all(kept[block] in (0, sizes[block]) for block in range(len(sizes)))
        skipped = sizes[(kept == 0) & (sizes >= 2)]
        if len(skipped) and kept.any():
            assert kept[kept > 0].max() <= skipped.min()
        trimmed += int(len(skipped) > 0)
    assert trimmed >= 1


def test_blocking_key_arrays_are_each_records_non_empty_rule_keys() -> None:
    left, right, _truth = linked_sets(200, seed=6)
    frame = normalise(pd.concat([left, right], ignore_index=True))
    found = blocking_key_arrays(frame)
    work = pd.concat([frame, derived_columns(frame)], axis=1)
    expected = [
        (record, index, int(key_hashes(np.array([key], dtype=object))[0]))
        for index, rule in enumerate(DEFAULT_RULES)
        for record, key in enumerate(rule_keys(work, rule).tolist())
        if key
    ]
    assert list(
        zip(found.records.tolist(), found.rules.tolist(), found.hashes.tolist(), strict=True)
    ) == sorted(expected)
    assert blocking_key_hashes(frame)[5] == [
        (rule, value) for record, rule, value in sorted(expected) if record == 5
    ]


def test_distinct_value_pairs_found_densely_or_by_hashing_give_the_same_levels(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Every pair of 400 corrupted records: a field's distinct value pairs are found with a
    # dense array when its values are few, else by hashing; both must agree level by level,
    # and with a plain per-pair comparison.
    from leads.resolution import comparison

    left, right, _truth = linked_sets(200, seed=11)
    frame = normalise(pd.concat([left, right], ignore_index=True))
    columns = columns_of(frame)
    i, j = (side.ravel() for side in np.triu_indices(len(frame), k=1))
    dense = compare(columns, columns, i, j)
    monkeypatch.setattr(comparison, "DENSE_PAIRS", 0)
    hashed = compare(columns_of(frame), columns_of(frame), i, j)
    assert np.array_equal(dense, hashed)
    # A sample of pairs compared one at a time, where every value is its own distinct pair.
    for k in range(0, len(i), 997):
        one = compare(columns, columns, i[k : k + 1], j[k : k + 1])[0]
        assert np.array_equal(one, dense[k]), (k, one, dense[k])
    assert len(np.unique(dense, axis=0)) > 20  # the pairs show many comparison patterns
