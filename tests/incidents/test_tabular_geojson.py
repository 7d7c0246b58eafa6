"""portal.tabular reads GeoJSON FeatureCollections as rows (a shared reader, tested here)."""

from __future__ import annotations

import json

import pytest

from portal.tabular import TableError, read_table


def test_features_become_rows_with_point_coordinates(tmp_path):
    path = tmp_path / "points.geojson"
    path.write_text(
        "\ufeff"
        + json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"key": "A", "age": 42.0, "fatal": True, "x": None},
                        "geometry": {"type": "Point", "coordinates": [-75.144636, 40.036944]},
                    },
                    {"type": "Feature", "properties": {"key": "B"}, "geometry": None},
                    {
                        "type": "Feature",
                        "properties": {"key": "C"},
                        "geometry": {
                            "type": "MultiPoint",
                            "coordinates": [[-75.1, 40.0], [-75.2, 40.1]],
                        },
                    },
                    {
                        "type": "Feature",
                        "properties": {"key": "D"},
                        "geometry": {
                            "type": "LineString",
                            "coordinates": [[-75.1, 40.0], [-75.2, 40.1]],
                        },
                    },
                ],
            }
        ),
        encoding="utf-8",
    )
    rows = list(read_table(path))
    assert [row.number for row in rows] == [1, 2, 3, 4]
    assert rows[0].cells == {
        "key": "A",
        "age": "42",
        "fatal": "true",
        "x": "",
        "longitude": "-75.144636",
        "latitude": "40.036944",
    }
    assert (rows[1].cells["latitude"], rows[1].cells["longitude"]) == ("", "")
    assert (rows[2].cells["latitude"], rows[2].cells["longitude"]) == ("40.0", "-75.1")
    assert rows[3].cells["latitude"] == ""


@pytest.mark.parametrize(
    "text", ['{"type": "Feature"}', "{not json", '{"type": "FeatureCollection"}']
)
def test_json_that_is_not_a_feature_collection_is_refused(tmp_path, text):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(TableError):
        list(read_table(path))
