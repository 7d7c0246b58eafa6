"""The trafficking index: each contribution in words and points, the weights, the ranking."""

from __future__ import annotations

from tracing.trafficking import (
    DEFAULT_WEIGHTS,
    TraceFacts,
    merged_weights,
    precision_at,
    score_dealers,
    score_firearms,
    score_purchasers,
)


def fact(number: str, **kw: object) -> TraceFacts:
    base: dict[str, object] = {"firearm_id": hash(number) % 10_000_000, "dealer_id": 1}
    base.update(kw)
    return TraceFacts(trace_number=number, **base)


def straw(number: str, **kw: object) -> TraceFacts:
    return fact(
        number,
        purchaser_key="ROE|RAY|1990-01-01",
        purchaser_label="ROE, RAY",
        **kw,
    )


def test_purchaser_contributions_in_words():
    facts = [
        straw("T1", time_to_crime_days=40, purchaser_not_possessor=True, multiple_sale=True),
        straw("T2", time_to_crime_days=200, purchaser_not_possessor=True, multiple_sale=True),
        straw("T3", time_to_crime_days=300, multiple_sale=True),
        straw("T4", time_to_crime_days=800, out_of_state_source=True),
    ]
    (roe,) = score_purchasers(facts)
    texts = [str(c) for c in roe.contributions]
    assert "3 guns recovered within a year of sale (+9.0)" in texts
    assert "1 gun recovered 1 to 3 years after sale (+1.0)" in texts
    assert "2 with other possessors (+4.0)" in texts
    assert "3 guns bought in multiple sales (+9.0)" in texts
    assert "1 gun sold in another state than where recovered (+2.0)" in texts
    assert "bought 4 traced guns (+3.0)" in texts
    assert roe.score == 9 + 1 + 4 + 9 + 2 + 3
    assert roe.traces == ["T1", "T2", "T3", "T4"]
    assert roe.explanation.startswith("3 guns recovered within a year of sale (+9.0); ")


def test_a_gun_recovered_again_and_an_obliterated_serial():
    facts = [
        fact("T1", firearm_id=7, obliterated=True, dealer_id=None, case_number="24-1"),
        fact("T2", firearm_id=7, obliterated=True, dealer_id=None, case_number="25-9"),
        fact("T3", firearm_id=8, case_number="24-2"),
        fact("T4", firearm_id=8, case_number="24-2"),  # the same incident traced twice
    ]
    ranked = score_firearms(facts)
    assert ranked[0].key == 7
    texts = [str(c) for c in ranked[0].contributions]
    assert "2 recoveries with the serial obliterated (+4.0)" in texts
    assert "1 more incident tied to the same gun (recovered on several traces) (+2.0)" in texts
    assert ranked[1].key == 8 and ranked[1].explanation == "No indicator holds."


def test_dealer_excess_of_possessors_multiple_sales_and_guns_in_several_incidents():
    facts = [fact(f"B{i}", dealer_id=1, firearm_id=i) for i in range(10)]
    facts += [
        fact("S1", dealer_id=2, firearm_id=100, purchaser_not_possessor=True, multiple_sale=True),
        fact("S2", dealer_id=2, firearm_id=100, purchaser_not_possessor=True, case_number="X"),
    ]
    small, big = score_dealers(facts)
    assert small.key == 2 and big.score == 0
    texts = [str(c) for c in small.contributions]
    assert texts == [
        "2 of 2 guns found with someone other than the purchaser where 0.3 were expected "
        "at the rate of all dealers (17%) (+3.3)",
        "1 of 2 guns sold in multiple sales where 0.2 were expected at the rate of all "
        "dealers (8%) (+2.5)",
        "1 of 1 gun tied to several incidents (case numbers) where 0.1 were expected at the "
        "rate of all dealers (9%) (+1.8)",
    ]


def test_dealer_scored_on_the_excess_over_its_volume():
    # A big dealer whose guns take long to crime, a small one whose guns come fast and far.
    facts = [fact(f"B{i}", dealer_id=1, time_to_crime_days=3000) for i in range(20)]
    facts += [
        fact(f"S{i}", dealer_id=2, time_to_crime_days=100, out_of_state_source=True)
        for i in range(4)
    ]
    small, big = score_dealers(facts)
    assert small.key == 2 and big.key == 1 and big.score == 0
    texts = [str(c) for c in small.contributions]
    # 4 of 24 traces are under 1 year: expected 4 * 4/24 = 0.67, excess 3.33 * 3 points.
    assert (
        "4 of 4 guns recovered within a year of sale where 0.7 were expected "
        "at the rate of all dealers (17%) (+10.0)"
    ) in texts
    assert any(t.startswith("4 of 4 guns recovered in another state") for t in texts)


def test_dealer_short_ttc_share_adds_points_to_its_purchasers():
    facts = [fact(f"B{i}", dealer_id=1, time_to_crime_days=3000) for i in range(9)]
    facts += [
        fact(
            "S1", dealer_id=2, time_to_crime_days=500, purchaser_key="A|B|", purchaser_label="A, B"
        )
    ]
    (buyer,) = score_purchasers(facts)
    # Dealer 2's share of short TTC is 1/1 against 1/10 overall: 10 times, 9 above average.
    assert [str(c) for c in buyer.contributions] == [
        "1 gun recovered 1 to 3 years after sale (+1.0)",
        "1 gun from dealers whose short time-to-crime share is above average (+9.0)",
    ]


def test_agency_weights_change_the_ranking():
    facts = [
        fact("A1", purchaser_key="A", purchaser_label="A", time_to_crime_days=100),
        fact("B1", purchaser_key="B", purchaser_label="B", purchaser_not_possessor=True),
        fact("B2", purchaser_key="B", purchaser_label="B", firearm_id=1),
    ]
    assert score_purchasers(facts)[0].key == "B"
    weights = merged_weights({"ttc_under_1_year": 10, "bogus": 5, "multiple_sale": -1})
    assert weights["multiple_sale"] == DEFAULT_WEIGHTS["multiple_sale"] and "bogus" not in weights
    assert score_purchasers(facts, weights)[0].key == "A"
    zero = merged_weights(dict.fromkeys(DEFAULT_WEIGHTS, 0))
    assert all(s.score == 0 and not s.contributions for s in score_purchasers(facts, zero))


def test_precision_at_k():
    assert precision_at([1, 2, 30], 10) == (2 / 3, 2, 3)
    assert precision_at([1, None, 12, *range(2, 10)], 10) == (0.9, 9, 10)
    assert precision_at([], 10) == (0.0, 0, 0)
