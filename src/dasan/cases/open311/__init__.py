"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) under `/open311/v2/`, JSON and
XML: discovery, services, service definitions, POST requests (api_key), tokens, GET requests with
every filter of the spec, GET one request, and FixMyStreet's `servicerequestupdates` extension.

Services are the published case types; a request is a case like any other (it appears in the
department's queue); its id is the case number; `status` is `open` until the case is resolved.
Errors are the spec's list of `{code, description}` with the HTTP status 400, 403 or 404.
API keys: `dasan open311 key create --name NAME` (stored as tokens of channel `open311:NAME`).

- `formats.py`: JSON and XML rendering, dates, the error list (pure)
- `validation.py`: checking a request's fields and attributes against the service (pure)
- `service.py`: reads (services, requests, updates) and the one write (a new request → a case)
- `views.py`: the routes, with one error handler for the whole router
"""
