"""Run the scim2-tester conformance checks against a running SCIM server.

Usage: python conformance.py BASE_URL TOKEN SKIPS_FILE

Prints one line per check result: PASS, FAIL or SKIP, the check's name, and the reason. A check's
name is `[ResourceType.]checker[/attribute]`, e.g. `service_provider_config_endpoint`,
`User.object_creation`, `Group.check_add_attribute/displayName`.

Statuses: scim2-tester's SUCCESS, COMPLIANT and ACCEPTABLE pass. ERROR, CRITICAL and DEVIATION
(a SHOULD the server does not follow) fail, and so does a check the tester itself SKIPPED: every
check not run must be explained. A failing or skipped result whose name matches an entry of
SKIPS_FILE is reported as SKIP with that entry's RFC clause; any other fails the run (exit 1).

SKIPS_FILE: one entry per line, `NAME | RFC clause | why`; NAME may use shell wildcards (fnmatch).
Blank lines and lines starting with `#` are ignored.
"""

import fnmatch
import sys
import traceback

from httpx2 import Client
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status
from scim2_tester import check_server

PASSING = {Status.SUCCESS, Status.COMPLIANT, Status.ACCEPTABLE}


def load_skips(path):
    skips = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = [p.strip() for p in line.split("|")]
            if len(parts) != 3 or not all(parts):
                sys.exit(f"{path}:{lineno}: expected `NAME | RFC clause | why`, got: {line}")
            skips.append({"pattern": parts[0], "clause": parts[1], "why": parts[2], "used": 0})
    return skips


def result_name(result):
    name = result.title or "?"
    if result.resource_type:
        name = f"{result.resource_type}.{name}"
    data = result.data
    if isinstance(data, dict) and isinstance(data.get("urn"), str):
        name = f"{name}/{data['urn']}"
    return name


def one_line(text):
    return " ".join(str(text or "").split())


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    base_url, token, skips_path = sys.argv[1:]
    skips = load_skips(skips_path)

    http = Client(
        base_url=base_url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30.0,
    )
    client = SyncSCIMClient(
        http,
        check_response_status_codes=True,
        check_response_content_type=True,
    )
    try:
        results = check_server(client)
    except Exception:
        traceback.print_exc()
        print("conformance: the checker crashed", file=sys.stderr)
        return 2

    passed = failed = skipped = 0
    for result in results:
        name = result_name(result)
        reason = one_line(result.reason)
        if result.status in PASSING:
            passed += 1
            suffix = "" if result.status == Status.SUCCESS else f" [{result.status.name}]"
            print(f"PASS {name}{suffix}")
            continue
        skip = next((s for s in skips if fnmatch.fnmatchcase(name, s["pattern"])), None)
        if skip is not None:
            skip["used"] += 1
            skipped += 1
            print(f"SKIP {name} [{result.status.name}] ({skip['clause']}: {skip['why']})")
            continue
        failed += 1
        print(f"FAIL {name} [{result.status.name}] {reason}")
        if result.data is not None and not isinstance(result.data, dict):
            print(f"     data: {one_line(repr(result.data))[:2000]}")
        elif isinstance(result.data, dict):
            print(f"     data: {one_line(repr(result.data))[:2000]}")

    for s in skips:
        if not s["used"]:
            print(f"note: skip entry `{s['pattern']}` matched no check; remove it if the check now passes")

    print(f"conformance: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
