"""An Open311 client written by someone else, against Trygg.

Uses the `georeport` package from PyPI (a GeoReport v2 wrapper with its own
JSON handling and xmltodict for XML) to discover, list services, read a
definition and read requests back, in JSON and in XML. georeport has no
method to create a request, so the POST is made as the spec describes it
(form-encoded, with the partner's api_key) and read back through georeport.

    python georeport_client.py BASE_URL API_KEY

Exits non-zero on the first failed expectation.
"""

import sys

import requests
import xmltodict
from georeport import GeoReport

BASE, KEY = sys.argv[1].rstrip("/"), sys.argv[2]
ROOT = f"{BASE}/open311/v2"


def check(condition, message):
    if not condition:
        print(f"FAIL {message}")
        sys.exit(1)
    print(f"ok   {message}")


def as_list(value):
    return value if isinstance(value, list) else [value]


for fmt in ("json", "xml"):
    client = GeoReport(ROOT, api_key=KEY, output_format=fmt)

    discovery = requests.get(f"{ROOT}/discovery.{fmt}", timeout=10)
    check(discovery.status_code == 200, f"{fmt}: discovery answers 200")
    if fmt == "xml":
        check("discovery" in xmltodict.parse(discovery.content), "xml: discovery parses")
    else:
        check("endpoints" in discovery.json(), "json: discovery has endpoints")

    services = as_list(client.get_service_list())
    codes = [s["service_code"] for s in services]
    check("klotter-ovrigt" in codes, f"{fmt}: the service list has klotter-ovrigt")
    check("gomda-droger" not in codes, f"{fmt}: a public list hides non-public services")

    definition = client.get_service_definition("klotter-ovrigt")
    check(definition["service_code"] == "klotter-ovrigt", f"{fmt}: the service definition reads")

    posted = requests.post(
        f"{ROOT}/requests.{fmt}",
        data={
            "api_key": KEY,
            "service_code": "klotter-ovrigt",
            "lat": "59.3940",
            "long": "17.9042",
            "description": f"Klotter vid entrén (georeport {fmt})",
        },
        timeout=10,
    )
    check(posted.status_code in (200, 201), f"{fmt}: POST requests with the partner key answers {posted.status_code}")
    if fmt == "xml":
        created = xmltodict.parse(posted.content)["service_requests"]["request"]
    else:
        created = posted.json()[0]
    request_id = created["service_request_id"]
    check(isinstance(request_id, str) and request_id, f"{fmt}: the new request has an id ({request_id})")

    got = client.get_service_request(request_id)
    check(got["service_request_id"] == request_id, f"{fmt}: the request reads back by id")
    check(got["service_code"] == "klotter-ovrigt", f"{fmt}: with its service code")
    check(got["status"] == "open", f"{fmt}: and status open")

    listed = as_list(client.get_service_requests(service_request_id=request_id))
    check([r["service_request_id"] for r in listed] == [request_id], f"{fmt}: the list filters by id")

    wrong = requests.post(
        f"{ROOT}/requests.{fmt}",
        data={"api_key": "wrong", "service_code": "klotter-ovrigt", "lat": "59.394", "long": "17.904",
              "description": "x"},
        timeout=10,
    )
    check(wrong.status_code == 403, f"{fmt}: a wrong key is refused with 403")

    bad_date = requests.get(f"{ROOT}/requests.{fmt}", params={"start_date": "yesterday"}, timeout=10)
    check(bad_date.status_code == 400, f"{fmt}: a bad start_date is refused with 400")

print("the georeport client works against Trygg in JSON and XML")
