#!/usr/bin/env python3
"""A client nobody here wrote: Python grpcio against a Concord node over mutual TLS.

Run by tests/integration/python_client.rs, which starts the node and sets:

  CONCORD_TEST_ENDPOINT      host:port of the node (its certificate names that host)
  CONCORD_TEST_CERTS_DIR     directory written by `concord cert` (its ca.crt is trusted)
  CONCORD_TEST_CLIENT_CERT   client certificate of the node's organization (PEM)
  CONCORD_TEST_CLIENT_KEY    its key (PEM)
  CONCORD_TEST_PROTO_DIR     the repository's proto/ directory

Needs the packages pinned in tests/python/requirements.txt. Prints one line per check and a
final "N passed, M failed"; exits 0 only when every check passed (2 when a package or a
variable is missing). No pytest: a plain script, so it runs wherever grpcio does.
"""

import importlib.resources
import os
import sys
import tempfile
import traceback

REQUIREMENTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "requirements.txt")

try:
    import grpc
    from google.protobuf import descriptor_pool
    from google.rpc import error_details_pb2
    from grpc_health.v1 import health_pb2, health_pb2_grpc
    from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
        ProtoReflectionDescriptorDatabase,
    )
    from grpc_status import rpc_status
    from grpc_tools import protoc
except ImportError as error:
    print(
        f"MISSING PYTHON PACKAGE: {error}. This test needs grpcio, grpcio-tools, "
        f"grpcio-health-checking, grpcio-reflection and grpcio-status: "
        f"`python3 -m pip install -r {REQUIREMENTS}` (.ci/run does this).",
        file=sys.stderr,
    )
    sys.exit(2)

# Every call gets a deadline: a node that stops answering fails the check, not the run.
CALL_TIMEOUT = 30


def env(name):
    value = os.environ.get(name, "")
    if not value:
        print(f"MISSING VARIABLE: {name} is not set (see this script's docstring)", file=sys.stderr)
        sys.exit(2)
    return value


def read(path):
    with open(path, "rb") as file:
        return file.read()


ENDPOINT = env("CONCORD_TEST_ENDPOINT")
CA_PEM = read(os.path.join(env("CONCORD_TEST_CERTS_DIR"), "ca.crt"))
CLIENT_CERT_PEM = read(env("CONCORD_TEST_CLIENT_CERT"))
CLIENT_KEY_PEM = read(env("CONCORD_TEST_CLIENT_KEY"))
PROTO_DIR = env("CONCORD_TEST_PROTO_DIR")


def mutual_tls_channel():
    credentials = grpc.ssl_channel_credentials(
        root_certificates=CA_PEM,
        private_key=CLIENT_KEY_PEM,
        certificate_chain=CLIENT_CERT_PEM,
    )
    return grpc.secure_channel(ENDPOINT, credentials)


def generate_stubs(out_dir):
    """Compiles proto/ with the protoc inside grpcio-tools (no system protoc) and imports
    the result."""
    well_known = str(importlib.resources.files("grpc_tools") / "_proto")
    args = [
        "grpc_tools.protoc",
        f"-I{PROTO_DIR}",
        f"-I{well_known}",
        f"--python_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        "concord/v1/report.proto",
        "concord/v1/overlap.proto",
        "concord/v1/reports.proto",
    ]
    code = protoc.main(args)
    assert code == 0, f"grpc_tools.protoc failed with {code}: {' '.join(args)}"
    for generated in ("report_pb2.py", "overlap_pb2.py", "reports_pb2.py", "reports_pb2_grpc.py"):
        path = os.path.join(out_dir, "concord", "v1", generated)
        assert os.path.isfile(path), f"protoc did not write {path}"
    sys.path.insert(0, out_dir)
    from concord.v1 import report_pb2, reports_pb2, reports_pb2_grpc

    return report_pb2, reports_pb2, reports_pb2_grpc


def sample_content(report_pb2, title, country="TH"):
    """A valid report (as in tests/integration/harness.rs), `title` and `country` aside."""
    content = report_pb2.ReportContent(
        summary=[report_pb2.LocalizedText(text="Senior officials reviewed labour migration governance.")],
        activity_type=report_pb2.ACTIVITY_TYPE_MEETING,
        status=report_pb2.ACTIVITY_STATUS_CLOSED,
        dates=report_pb2.ActivityDates(
            planned_start="2007-11-08",
            actual_start="2007-11-08",
            planned_end="2007-11-09",
            actual_end="2007-11-09",
        ),
        countries=[country],
        regions=["ESCAP"],
        themes=[report_pb2.Theme(vocabulary="GCM", code="23")],
        target_groups=["GOVERNMENT_OFFICIALS"],
        participants=[
            report_pb2.Participant(organization="IOM", role=report_pb2.PARTICIPANT_ROLE_PARTICIPANT)
        ],
        links=[report_pb2.Link(url="https://www.unescap.org/", title="ESCAP", kind="webpage")],
        contact=report_pb2.Contact(organization="ESCAP", email="migration@example.org"),
        location="Bangkok",
    )
    if title:
        content.title.append(report_pb2.LocalizedText(text=title))
    return content


def check_health(channel, _stubs):
    stub = health_pb2_grpc.HealthStub(channel)
    for service in ("", "concord.v1.Reports"):
        reply = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=CALL_TIMEOUT)
        assert reply.status == health_pb2.HealthCheckResponse.SERVING, (
            f"health of {service!r}: {health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)}"
        )


def check_reflection(channel, _stubs):
    # grpcio-reflection's client speaks grpc.reflection.v1alpha.
    database = ProtoReflectionDescriptorDatabase(channel)
    services = database.get_services()
    for expected in ("concord.v1.Reports", "grpc.health.v1.Health"):
        assert expected in services, f"reflection lists {services}, not {expected}"

    # The file declaring the service, by symbol.
    file_proto = database.FindFileContainingSymbol("concord.v1.Reports")
    assert file_proto.name == "concord/v1/reports.proto", f"file for the symbol: {file_proto.name}"
    services_in_file = {service.name: service for service in file_proto.service}
    assert "Reports" in services_in_file, f"services in {file_proto.name}: {list(services_in_file)}"
    methods = {method.name for method in services_in_file["Reports"].method}
    for method in ("Submit", "Revise", "Withdraw", "Get", "List", "Watch", "NodeInfo"):
        assert method in methods, f"Reports methods over reflection: {sorted(methods)}"

    # A descriptor pool over reflection must resolve the whole import graph (report.proto,
    # google/protobuf/timestamp.proto) by file name, as grpcurl-like tools do.
    pool = descriptor_pool.DescriptorPool(database)
    reports = pool.FindServiceByName("concord.v1.Reports")
    submit = reports.FindMethodByName("Submit")
    assert submit.input_type.full_name == "concord.v1.SubmitRequest", submit.input_type.full_name
    content = submit.input_type.fields_by_name["content"].message_type
    assert content.full_name == "concord.v1.ReportContent", content.full_name
    created_at = pool.FindMessageTypeByName("concord.v1.Report").fields_by_name["created_at"]
    assert created_at.message_type.full_name == "google.protobuf.Timestamp"
    health = pool.FindServiceByName("grpc.health.v1.Health")
    assert health.FindMethodByName("Check") is not None


def check_submit(channel, stubs):
    report_pb2, reports_pb2, reports_pb2_grpc = stubs
    stub = reports_pb2_grpc.ReportsStub(channel)
    reply = stub.Submit(
        reports_pb2.SubmitRequest(content=sample_content(report_pb2, "Submitted by Python grpcio")),
        timeout=CALL_TIMEOUT,
    )
    report = reply.report
    assert report.id, f"no id in {reply}"
    assert report.revision == 1, f"revision {report.revision}"
    assert report.organization == "ESCAP", f"organization {report.organization!r}"
    assert not reply.replayed
    got = stub.Get(reports_pb2.GetRequest(id=report.id), timeout=CALL_TIMEOUT).report
    assert got.content.title[0].text == "Submitted by Python grpcio", got
    print(f"    stored {report.id} revision {report.revision}")


def check_refused_submit(channel, stubs):
    report_pb2, reports_pb2, reports_pb2_grpc = stubs
    stub = reports_pb2_grpc.ReportsStub(channel)
    try:
        stub.Submit(
            reports_pb2.SubmitRequest(content=sample_content(report_pb2, "", country="XX")),
            timeout=CALL_TIMEOUT,
        )
    except grpc.RpcError as call:
        assert call.code() == grpc.StatusCode.INVALID_ARGUMENT, f"{call.code()}: {call.details()}"
        status = rpc_status.from_call(call)
        assert status is not None, "no google.rpc.Status in grpc-status-details-bin"
        violations = {}
        for detail in status.details:
            if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                bad_request = error_details_pb2.BadRequest()
                detail.Unpack(bad_request)
                for violation in bad_request.field_violations:
                    violations[violation.field] = violation.description
        assert violations, f"no google.rpc.BadRequest among {[d.type_url for d in status.details]}"
        for field in ("title", "countries[0]"):
            assert field in violations, f"BadRequest names {sorted(violations)}, not {field}"
        assert '"XX"' in violations["countries[0]"], violations["countries[0]"]
        print(f"    {call.details()}")
        return
    raise AssertionError("a report with no title and country XX was accepted")


def check_no_client_certificate(_channel, _stubs):
    credentials = grpc.ssl_channel_credentials(root_certificates=CA_PEM)
    with grpc.secure_channel(ENDPOINT, credentials) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        try:
            reply = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=CALL_TIMEOUT)
        except grpc.RpcError as call:
            assert call.code() == grpc.StatusCode.UNAVAILABLE, f"{call.code()}: {call.details()}"
            print(f"    refused: {call.code().name}")
            return
    raise AssertionError(f"a call without a client certificate was answered: {reply}")


CHECKS = [
    ("health: SERVING for '' and concord.v1.Reports", check_health),
    ("reflection v1alpha: services listed, descriptors by symbol", check_reflection),
    ("submit with stubs generated now by grpc_tools.protoc", check_submit),
    ("refused submit: INVALID_ARGUMENT with BadRequest details", check_refused_submit),
    ("no client certificate: UNAVAILABLE", check_no_client_certificate),
]


def main():
    print(f"grpcio {grpc.__version__} -> {ENDPOINT}")
    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="concord-stubs-") as out_dir:
        try:
            stubs = generate_stubs(out_dir)
        except Exception:  # noqa: BLE001 - report and count, then go on with the others
            traceback.print_exc(file=sys.stdout)
            print("FAIL generating stubs with grpc_tools.protoc")
            stubs = None
        with mutual_tls_channel() as channel:
            for name, check in CHECKS:
                if stubs is None and check in (check_submit, check_refused_submit):
                    print(f"FAIL {name}: no generated stubs")
                    failed += 1
                    continue
                try:
                    check(channel, stubs)
                except Exception:  # noqa: BLE001 - every check runs; the summary counts
                    traceback.print_exc(file=sys.stdout)
                    print(f"FAIL {name}")
                    failed += 1
                else:
                    print(f"ok   {name}")
                    passed += 1
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
