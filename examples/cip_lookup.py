"""CIP lookup: "who is this person across agencies?" against a running server.

python examples/cip_lookup.py --given "Jon" --family "Smyth" --dob 1984-07-02
"""

from __future__ import annotations

import argparse

import grpc

from server.gen.linkage.v1 import linkage_pb2 as pb
from server.gen.linkage.v1 import linkage_pb2_grpc as pb_grpc


def main() -> None:
    """Resolve one person and print each identity with its evidence and agency records."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", default="127.0.0.1:50051")
    parser.add_argument("--given", default="")
    parser.add_argument("--family", default="")
    parser.add_argument("--dob", default="")
    parser.add_argument("--phone", default="")
    args = parser.parse_args()
    query = pb.PersonAttributes(
        given_name=args.given, family_name=args.family, dob=args.dob, phone=args.phone
    )
    with grpc.insecure_channel(args.address) as channel:
        stub = pb_grpc.LinkageServiceStub(channel)
        reply = stub.Resolve(pb.ResolveRequest(person=query, max_results=5), timeout=2)
    print(f"model {reply.model_version}: {len(reply.matches)} identities")
    for match in reply.matches:
        band = pb.Band.Name(match.band).removeprefix("BAND_").lower()
        print(f"  {match.person_id}  p={match.probability:.4f}  {band}")
        for field in match.explanation.fields:
            print(f"      {field.comparison:<14} {field.level:<24} {field.weight:+6.2f}")
        for ref in match.records:
            print(f"      record {ref.agency}/{ref.record_id}")


if __name__ == "__main__":
    main()
