"""L17 intake: link the people named in a new police family violence report.

Upserts the respondent, the affected family member and two children in one
UpsertRecords stream (agency "police", record id = L17 number + party) and
prints each party's person id and outcome.

    python examples/l17_intake.py --l17 L17-2026-000123
"""

from __future__ import annotations

import argparse

import grpc

from server.gen.linkage.v1 import linkage_pb2 as pb
from server.gen.linkage.v1 import linkage_pb2_grpc as pb_grpc

PARTIES = (
    ("R", pb.ROLE_RESPONDENT, dict(given_name="Jon", family_name="Smyth", dob="1984-07-02")),
    # Known to agencies in the demo data as Jessica Hughes, born 1974-02-12.
    ("AFM", pb.ROLE_AFFECTED_FAMILY_MEMBER,
     dict(given_name="Jess", family_name="Hughes", dob="12/02/1974")),
    ("C1", pb.ROLE_CHILD, dict(given_name="Mia", family_name="Hughes", dob="2015-03-09")),
    ("C2", pb.ROLE_CHILD, dict(given_name="Leo", family_name="Hughes", dob="2018-08-30")),
)  # fmt: skip


def main() -> None:
    """Stream the four parties and print the link decisions."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", default="127.0.0.1:50051")
    parser.add_argument("--l17", default="L17-2026-000123")
    args = parser.parse_args()
    requests = [
        pb.UpsertRecordsRequest(
            request_id=party,
            record=pb.AgencyRecord(
                ref=pb.RecordRef(agency="police", record_id=f"{args.l17}:{party}"),
                attributes=pb.PersonAttributes(role=role, suburb="Dandenong", **fields),
            ),
        )
        for party, role, fields in PARTIES
    ]
    with grpc.insecure_channel(args.address) as channel:
        stub = pb_grpc.LinkageServiceStub(channel)
        for reply in stub.UpsertRecords(iter(requests), timeout=10):
            if reply.HasField("error"):
                print(f"{reply.request_id:<4} error {reply.error.code}: {reply.error.message}")
                continue
            result = reply.result
            outcome = pb.UpsertOutcome.Name(result.outcome).removeprefix("UPSERT_OUTCOME_")
            review = (
                f" review with {list(result.review_person_ids)}" if result.review_person_ids else ""
            )
            print(f"{reply.request_id:<4} {result.person_id} {outcome.lower()}"
                  f" p={result.probability:.3f}{review}")  # fmt: skip


if __name__ == "__main__":
    main()
