"""The reference collectors (clients/android, clients/ios) against the payload schema and the
data policy, read as text: neither can be built here (no Android SDK, no Xcode).

- Every field the payload-building block (between `anonscore:payload-begin` and `-end`) puts
  in a group exists in that group of `engine.schema.CollectRequest` (msgspec type info); the
  groups are assembled under their own names; the flow's requests use only the schema's
  fields and the platform's channel; the integrity checks the schema has fields for are sent.
- No API the data policy rules out appears outside comments (contacts, messages, call logs,
  accounts, photos, advertising ID, IMEI/serial, precise location, runtime permission
  requests...), and the location APIs appear only in one function called under the tenant's
  `geolocation` switch.
- Each fixture of tests/fixtures/mobile holds only fields its platform's collector sends.

Each check is a function returning its problems, and the last tests feed it broken sources (a
misspelt field, a field in the wrong group, a denied API, location read without the switch):
the checks can fail.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import msgspec
import pytest

from engine.schema import CollectRequest, SessionRequest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "mobile"
GROUPS = ("device", "software", "network", "behaviour", "apps", "location")


@dataclass(frozen=True)
class Platform:
    name: str  # the channel
    folder: Path
    payload: Path  # the file with the payload-building block
    flow: Path  # the file with the session flow
    field: re.Pattern[str]  # group, field name of one assignment
    any_key: re.Pattern[str]  # every key assignment, to catch ones the first misses
    assembled: re.Pattern[str]  # a group put in the attributes under a name
    location_fn: str  # the one function that may read location
    location_apis: tuple[str, ...]
    integrity: tuple[tuple[str, str], ...]


ANDROID = Platform(
    name="android",
    folder=ROOT / "clients" / "android",
    payload=ROOT / "clients/android/src/main/kotlin/org/anonscore/collector/Payload.kt",
    flow=ROOT / "clients/android/src/main/kotlin/org/anonscore/collector/AnonscoreCollector.kt",
    field=re.compile(r"\b(\w+)\.put\(\s*\"([^\"]*)\""),
    any_key=re.compile(r"\.put\(\s*\"([^\"]*)\""),
    assembled=re.compile(r"\.put\(\s*\"(\w+)\",\s*(\w+)\s*\)"),
    location_fn="roughLocation",
    location_apis=("LocationManager", "getLastKnownLocation", "ACCESS_COARSE_LOCATION", "Location"),
    integrity=(
        ("device", "rooted"),
        ("device", "simulator"),
        ("software", "hooking_framework"),
        ("software", "debugger_attached"),
        ("software", "app_signature_mismatch"),
    ),
)
IOS = Platform(
    name="ios",
    folder=ROOT / "clients" / "ios",
    payload=ROOT / "clients/ios/Sources/AnonscoreCollector/Payload.swift",
    flow=ROOT / "clients/ios/Sources/AnonscoreCollector/AnonscoreCollector.swift",
    field=re.compile(r"\b(\w+)\[\"([^\"]*)\"\]\s*=(?!=)"),
    any_key=re.compile(r"\[\"([^\"]*)\"\]\s*=(?!=)"),
    assembled=re.compile(r"\"(\w+)\":\s*(\w+)\s*[,\]]"),
    location_fn="lastAuthorisedLocation",
    location_apis=("CLLocationManager", "CLLocation", "authorizationStatus", "CoreLocation"),
    integrity=(
        ("device", "jailbroken"),
        ("device", "simulator"),
        ("software", "hooking_framework"),
        ("software", "debugger_attached"),
        ("software", "app_signature_mismatch"),
    ),
)
PLATFORMS = (ANDROID, IOS)

# APIs the data policy rules out (docs/mobile.md, "What is never read"), as regexes over the
# code with its comments removed.
DENIED_ANDROID = (
    r"ContactsContract",
    r"Telephony\.Sms",
    r"content://sms",
    r"\bCallLog\b",
    r"AccountManager",
    r"MediaStore",
    r"ClipboardManager",
    r"getDeviceId",
    r"getImei",
    r"getMeid",
    r"getSerial",
    r"Build\.SERIAL",
    r"getSubscriberId",
    r"getSimSerialNumber",
    r"getLine1Number",
    r"AdvertisingIdClient",
    r"READ_CONTACTS",
    r"READ_SMS",
    r"RECEIVE_SMS",
    r"READ_CALL_LOG",
    r"GET_ACCOUNTS",
    r"READ_PHONE_STATE",
    r"READ_PHONE_NUMBERS",
    r"ACCESS_FINE_LOCATION",
    r"ACCESS_BACKGROUND_LOCATION",
    r"GPS_PROVIDER",
    r"PRIORITY_HIGH_ACCURACY",
    r"QUERY_ALL_PACKAGES",
    r"getInstalledPackages",
    r"getInstalledApplications",
    r"READ_EXTERNAL_STORAGE",
    r"READ_MEDIA_",
    r"requestPermissions",
    r"getMacAddress",
    r"getConnectionInfo",
    r"\bbssid\b",
    r"getBondedDevices",
    r"BLUETOOTH_CONNECT",
    r"\"mac_hash\"",
    r"\"wifi_bssid_hash\"",
)
DENIED_IOS = (
    r"CNContactStore",
    r"import\s+Contacts\b",
    r"PHPhotoLibrary",
    r"import\s+Photos\b",
    r"ASIdentifierManager",
    r"advertisingIdentifier",
    r"import\s+AdSupport",
    r"ATTrackingManager",
    r"UIPasteboard",
    r"EKEventStore",
    r"HKHealthStore",
    r"requestWhenInUseAuthorization",
    r"requestAlwaysAuthorization",
    r"requestTemporaryFullAccuracyAuthorization",
    r"kCLLocationAccuracyBest",
    r"desiredAccuracy",
    r"startUpdatingLocation",
    r"UIDevice\.current\.name\b",
    r"\bphone\.name\b",
    r"CBCentralManager",
    r"\"mac_hash\"",
    r"\"wifi_bssid_hash\"",
)
SOURCE_SUFFIXES = (".kt", ".kts", ".swift", ".xml")


def schema_fields() -> dict[str, set[str]]:
    """{group: field names} of the collect request's attributes, from msgspec's type info."""
    request = msgspec.inspect.type_info(CollectRequest)
    assert isinstance(request, msgspec.inspect.StructType)
    (attributes,) = [f.type for f in request.fields if f.name == "attributes"]
    assert isinstance(attributes, msgspec.inspect.StructType)
    out: dict[str, set[str]] = {}
    for group in attributes.fields:
        if isinstance(group.type, msgspec.inspect.StructType):
            out[group.name] = {f.name for f in group.type.fields}
    return out


def request_fields(struct: type[msgspec.Struct]) -> set[str]:
    info = msgspec.inspect.type_info(struct)
    assert isinstance(info, msgspec.inspect.StructType)
    return {f.name for f in info.fields}


def channels() -> set[str]:
    info = msgspec.inspect.type_info(CollectRequest)
    assert isinstance(info, msgspec.inspect.StructType)
    (channel,) = [f.type for f in info.fields if f.name == "channel"]
    assert isinstance(channel, msgspec.inspect.LiteralType)
    return {str(v) for v in channel.values}


def without_comments(text: str) -> str:
    """Code with // and /* */ comments (and XML <!-- -->) removed, strings kept."""
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
    out: list[str] = []
    i, n, quote = 0, len(text), False
    while i < n:
        ch = text[i]
        if quote:
            out.append(ch)
            if ch == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 1
            elif ch == '"':
                quote = False
        elif ch == '"':
            quote = True
            out.append(ch)
        elif text.startswith("//", i):
            i = text.find("\n", i)
            i = n if i < 0 else i
            continue
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def payload_block(text: str) -> str:
    """The code between the payload markers (exactly one pair), comments removed."""
    begins = text.count("anonscore:payload-begin")
    ends = text.count("anonscore:payload-end")
    assert begins == ends == 1, "one payload block, between anonscore:payload-begin and -end"
    start = text.index("anonscore:payload-begin")
    return without_comments(text[start : text.index("anonscore:payload-end")])


def sent_fields(platform: Platform, text: str) -> set[tuple[str, str]]:
    """(group, field) pairs the payload block assigns."""
    block = payload_block(text)
    return {(g, f) for g, f in platform.field.findall(block) if g in GROUPS}


def field_problems(platform: Platform, text: str) -> list[str]:
    """What in the payload block does not fit the schema."""
    schema = schema_fields()
    block = payload_block(text)
    problems: list[str] = []
    grouped = {f for g, f in platform.field.findall(block) if g in GROUPS}
    assembled = {(name, var) for name, var in platform.assembled.findall(block) if var in GROUPS}
    for key in platform.any_key.findall(block):
        if key not in grouped and key not in GROUPS:
            problems.append(f"{key!r} is assigned outside a group object")
    for group, field in sorted(sent_fields(platform, text)):
        if field not in schema[group]:
            where = [g for g, names in schema.items() if field in names]
            problems.append(
                f"{group}.{field} is not in the schema" + (f" (in {where})" if where else "")
            )
    for name, var in sorted(assembled):
        if name != var:
            problems.append(f"group {var} is sent as {name!r}")
    used = {g for g, _ in platform.field.findall(block) if g in GROUPS}
    for group in sorted(used - {var for _, var in assembled}):
        problems.append(f"group {group} is filled but never put in the attributes")
    return problems


def flow_problems(platform: Platform, text: str) -> list[str]:
    """The session flow: its routes, the request fields it sends, the channel."""
    code = without_comments(text)
    problems = [
        f"no {route}" for route in ("/v1/sessions", "/v1/collect") if f'"{route}"' not in code
    ]
    allowed = request_fields(CollectRequest) | request_fields(SessionRequest)
    keys = set(re.findall(r"\.put\(\s*\"(\w+)\"", code)) | set(re.findall(r"\"(\w+)\":", code))
    problems += [f"request field {k!r} is not in the schema" for k in sorted(keys - allowed)]
    channel = re.findall(r"\"channel\"[,:]\s*\"(\w+)\"", code)
    if channel != [platform.name] or platform.name not in channels():
        problems.append(f"channel {channel} is not [{platform.name!r}]")
    if "Retry-After" not in code:
        problems.append("Retry-After is not honoured")
    return problems


def denied_problems(platform: Platform, sources: dict[str, str]) -> list[str]:
    """Denied APIs anywhere in the code; location APIs outside the one switched function."""
    denied = DENIED_ANDROID if platform is ANDROID else DENIED_IOS
    problems: list[str] = []
    for name, text in sorted(sources.items()):
        code = without_comments(text)
        problems += [f"{name}: {p}" for p in denied if re.search(p, code)]
        body = _function_body(code, platform.location_fn)
        rest = code.replace(body, "") if body else code
        lines = [ln for ln in rest.splitlines() if not ln.strip().startswith("import")]
        for api in platform.location_apis:
            if any(re.search(rf"\b{api}\b", ln) for ln in lines):
                problems.append(f"{name}: {api} outside {platform.location_fn}")
        for line in code.splitlines():
            if f"{platform.location_fn}(" in line and not re.search(r"\bfunc?\b", line):
                if '"geolocation"' not in line:
                    problems.append(f"{name}: {platform.location_fn} called without the switch")
    return problems


def _function_body(code: str, name: str) -> str:
    """The text of `fun name(`/`func name(` up to its closing brace at column 0."""
    match = re.search(rf"^(?:private\s+)?(?:fun|func)\s+{name}\(.*?^\}}", code, re.M | re.S)
    if match is None:
        match = re.search(rf"^.*\b(?:fun|func)\s+{name}\(.*?^\}}", code, re.M | re.S)
    return match.group(0) if match else ""


def sources(platform: Platform) -> dict[str, str]:
    return {
        str(p.relative_to(ROOT)): p.read_text()
        for p in sorted(platform.folder.rglob("*"))
        if p.suffix in SOURCE_SUFFIXES
    }


def fixture_paths() -> list[Path]:
    return sorted(FIXTURES.glob("*.json"))


@pytest.mark.parametrize("platform", PLATFORMS, ids=lambda p: p.name)
def test_every_field_sent_is_in_its_schema_group(platform: Platform) -> None:
    text = platform.payload.read_text()
    assert field_problems(platform, text) == []
    sent = sent_fields(platform, text)
    assert len(sent) >= 25, sorted(sent)  # the parse found the block's fields, not a few


@pytest.mark.parametrize("platform", PLATFORMS, ids=lambda p: p.name)
def test_the_integrity_checks_the_schema_has_are_sent(platform: Platform) -> None:
    sent = sent_fields(platform, platform.payload.read_text())
    assert set(platform.integrity) <= sent
    assert set(platform.integrity) <= {
        (g, f) for g, names in schema_fields().items() for f in names
    }


@pytest.mark.parametrize("platform", PLATFORMS, ids=lambda p: p.name)
def test_the_flow_uses_the_schemas_requests_and_its_channel(platform: Platform) -> None:
    assert flow_problems(platform, platform.flow.read_text()) == []


@pytest.mark.parametrize("platform", PLATFORMS, ids=lambda p: p.name)
def test_nothing_the_data_policy_rules_out_is_read(platform: Platform) -> None:
    found = sources(platform)
    assert platform.payload.relative_to(ROOT).as_posix() in found
    assert denied_problems(platform, found) == []


@pytest.mark.parametrize("path", fixture_paths(), ids=lambda p: p.stem)
def test_each_fixture_holds_only_what_its_collector_sends(path: Path) -> None:
    fixture = json.loads(path.read_text())
    platform = {p.name: p for p in PLATFORMS}[fixture["collect"]["channel"]]
    msgspec.convert({"session_id": "s", "site_key": "k", **fixture["collect"]}, CollectRequest)
    sent = sent_fields(platform, platform.payload.read_text())
    attributes = fixture["collect"]["attributes"]
    extra = {(g, f) for g, fields in attributes.items() for f in fields} - sent
    assert not extra, f"{path.name} holds fields the {platform.name} collector never sends"


def test_there_are_six_fixtures_three_per_platform() -> None:
    kinds = [json.loads(p.read_text())["collect"]["channel"] for p in fixture_paths()]
    assert sorted(kinds) == ["android"] * 3 + ["ios"] * 3


# -- the checks can fail -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("platform", "good", "bad", "expected"),
    [
        (ANDROID, 'device.put("battery_level"', 'device.put("battery_lvl"', "device.battery_lvl"),
        (ANDROID, 'network.put("sim_country"', 'device.put("sim_country"', "in ['network']"),
        (IOS, 'device["battery_level"] =', 'device["batteryLevel"] =', "device.batteryLevel"),
        (IOS, 'software["app_id"] =', 'network["app_id"] =', "in ['software']"),
        (IOS, '"device": device,', '"devices": device,', "sent as 'devices'"),
    ],
    ids=["misspelt", "wrong-group", "misspelt-swift", "wrong-group-swift", "group-name"],
)
def test_a_broken_field_is_found(platform: Platform, good: str, bad: str, expected: str) -> None:
    text = platform.payload.read_text()
    assert good in text
    problems = field_problems(platform, text.replace(good, bad, 1))
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize(
    ("platform", "line"),
    [
        (ANDROID, "val imei = telephony?.getImei()"),
        (ANDROID, "val ad = AdvertisingIdClient.getAdvertisingIdInfo(context)"),
        (ANDROID, "val c = context.contentResolver.query(ContactsContract.Contacts.CONTENT_URI)"),
        (ANDROID, "requestPermissions(arrayOf(Manifest.permission.ACCESS_FINE_LOCATION), 1)"),
        (ANDROID, "val fix = lm.getLastKnownLocation(LocationManager.NETWORK_PROVIDER)"),
        (IOS, "let id = ASIdentifierManager.shared().advertisingIdentifier"),
        (IOS, "let store = CNContactStore()"),
        (IOS, "CLLocationManager().requestWhenInUseAuthorization()"),
        (IOS, "let here = CLLocationManager().location"),
    ],
)
def test_a_denied_api_is_found(platform: Platform, line: str) -> None:
    name = platform.payload.relative_to(ROOT).as_posix()
    found = sources(platform)
    assert denied_problems(platform, {name: found[name] + "\n" + line + "\n"})
    # the same words in a comment are documentation, not code
    assert not denied_problems(platform, {name: found[name] + "\n// " + line + "\n"})


@pytest.mark.parametrize("platform", PLATFORMS, ids=lambda p: p.name)
def test_location_read_without_the_switch_is_found(platform: Platform) -> None:
    text = platform.payload.read_text()
    unswitched = text.replace('enabled["geolocation"] == true', "true", 1)
    assert unswitched != text
    name = platform.payload.relative_to(ROOT).as_posix()
    assert any("without the switch" in p for p in denied_problems(platform, {name: unswitched}))


def test_a_flow_with_another_channel_is_found() -> None:
    text = ANDROID.flow.read_text()
    assert 'put("channel", "android")' in text
    text = text.replace('put("channel", "android")', 'put("channel", "androd")')
    assert any("channel" in p for p in flow_problems(ANDROID, text))
