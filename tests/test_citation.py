"""CITATION.cff: valid against the Citation File Format 1.2.0 schema (tests/data/cff-schema-1.2.0.json, the schema
the CFF project publishes, CC-BY-4.0), naming the project's authors as the repository does and citing the paper."""

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def _cff() -> dict:
    # CFF dates and versions must stay strings, so read every scalar as YAML gives it
    return yaml.safe_load((ROOT / "CITATION.cff").read_text())


def test_citation_file_is_valid_cff():
    schema = json.loads((ROOT / "tests" / "data" / "cff-schema-1.2.0.json").read_text())
    jsonschema.validate(_cff(), schema, format_checker=jsonschema.FormatChecker())


def test_a_broken_citation_file_is_caught():
    schema = json.loads((ROOT / "tests" / "data" / "cff-schema-1.2.0.json").read_text())
    broken = {**_cff(), "authors": [{"family-name": "typo"}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_it_cites_the_paper_and_both_venues():
    cff = _cff()
    paper = next(r for r in cff["references"] if "Generalization-to-Memorization" in r["title"])
    assert [a["family-names"] for a in paper["authors"]] == ["Shi", "Wu", "Zhang", "Zhang", "Tao", "Qu"]
    assert any("2509.16499" in str(i["value"]) for i in paper["identifiers"])
    assert "ICML 2025" in paper["conference"]["name"] and "NeurIPS 2025" in paper["notes"]


def test_its_authors_are_the_repositorys():
    import subprocess

    authors = subprocess.run(["git", "log", "--format=%an"], cwd=ROOT, capture_output=True, text=True).stdout.split("\n")
    named = {a["name"] for a in _cff()["authors"] if "name" in a}
    assert named and (not any(authors) or named <= {a for a in authors if a}), (named, set(authors))
