"""Another city's 311 requests mapped onto our services by shared words, and imported once."""

from __future__ import annotations

import json
import subprocess
import sys

from hypothesis import given
from hypothesis import strategies as st

from dasan.cases.imports import Service, best_service, mapping_report, words

SERVICES = [Service("road-damage", "Road damage or pothole", "road street pothole pavement sidewalk"),
            Service("streetlight", "Streetlight out", "streetlight street light lamp"),
            Service("illegal-parking", "Illegal parking", "parking parked blocked driveway hydrant"),
            Service("noise", "Noise complaint", "noise loud music party construction")]


def test_requests_written_in_other_words_find_their_service():
    assert best_service("Pothole on Main Street", "", SERVICES) == "road-damage"
    assert best_service("Broken Lamps", "Light out at the corner", SERVICES) == "streetlight"
    assert best_service("Car parked across my driveway", "", SERVICES) == "illegal-parking"
    # The request's own type outweighs where it happened (a noisy street is noise, not a road).
    assert best_service("Noise - Street", "Loud party", SERVICES) == "noise"
    assert best_service("Hot dog vendor", "No permit", SERVICES) is None


@given(st.text(max_size=60), st.text(max_size=60))
def test_a_mapping_is_one_of_the_services_or_none(kind, detail):
    got = best_service(kind, detail, SERVICES)
    assert got is None or got in {s.code for s in SERVICES}
    if not (words(kind) | words(detail)) & set().union(*(words(s.name + " " + s.text) for s in SERVICES)):
        assert got is None


def test_mapping_report_counts_every_record():
    recs = [{"complaint_type": "Pothole", "descriptor": ""}] * 3 + [{"complaint_type": "Graffiti", "descriptor": ""}]
    rep = mapping_report(recs, SERVICES)
    assert (rep["n"], rep["mapped"], rep["mapped_share"]) == (4, 3, 0.75)
    assert rep["by_service"] == {"road-damage": 3, "(unmapped)": 1}


def test_cli_import_maps_creates_once_and_refuses_bad_files(server_env, tmp_path):
    import os

    recs = [{"unique_key": "1", "complaint_type": "Street Light Condition", "descriptor": "Street Light Out",
             "latitude": "40.7", "longitude": "-73.9", "incident_address": "1 MAIN ST", "city": "NEW YORK"},
            {"unique_key": "2", "complaint_type": "Noise - Residential", "descriptor": "Loud Music/Party"},
            {"unique_key": "3", "complaint_type": "Graffiti", "descriptor": "Graffiti"}]
    f = tmp_path / "nyc.json"
    f.write_text(json.dumps(recs))
    env = {**os.environ, **server_env}

    def run(*args):
        done = subprocess.run([sys.executable, "-m", "dasan.cli", "open311", "import", *args], env=env,
                              capture_output=True, text=True)
        return done.returncode, done.stdout, done.stderr

    code, out, _ = run(str(f), "--create", "--json")
    got = json.loads(out)
    assert code == 0 and (got["n"], got["mapped"], got["created"], got["needs_district"]) == (3, 2, 1, 1)
    assert {t["complaint_type"]: t["service_code"] for t in got["types"]} == {
        "Street Light Condition": "streetlight", "Noise - Residential": "noise", "Graffiti": None}
    code, out, _ = run(str(f), "--create", "--json")
    assert json.loads(out)["created"] == 0 and json.loads(out)["already_imported"] == 1
    (tmp_path / "bad.json").write_text("{not json")
    code, _, err = run(str(tmp_path / "bad.json"))
    assert code == 2 and "error:" in err
