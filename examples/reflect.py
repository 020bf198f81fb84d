"""A tiny reflection client (grpcurl-like): list services, or call a method with JSON.

python examples/reflect.py list
python examples/reflect.py call linkage.v1.LinkageService/Resolve \
    '{"person": {"given_name": "Jon", "family_name": "Smyth"}}'

It learns the messages from the server's reflection service; no generated code needed.
"""

from __future__ import annotations

import argparse
import json

import grpc
from google.protobuf import descriptor_pool, json_format, message_factory
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)


def main() -> None:
    """List the server's services or call one unary method."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", default="127.0.0.1:50051")
    parser.add_argument("command", choices=["list", "call"])
    parser.add_argument("method", nargs="?", help="package.Service/Method")
    parser.add_argument("body", nargs="?", default="{}", help="request as JSON")
    args = parser.parse_args()
    with grpc.insecure_channel(args.address) as channel:
        database = ProtoReflectionDescriptorDatabase(channel)
        if args.command == "list":
            for service in database.get_services():
                print(service)
            return
        service_name, _, method_name = args.method.partition("/")
        pool = descriptor_pool.DescriptorPool(database)
        method = pool.FindServiceByName(service_name).FindMethodByName(method_name)
        request_type = message_factory.GetMessageClass(method.input_type)
        reply_type = message_factory.GetMessageClass(method.output_type)
        call = channel.unary_unary(
            f"/{service_name}/{method_name}",
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=reply_type.FromString,
        )
        request = json_format.Parse(args.body, request_type())
        reply = call(request, timeout=5)
        print(json.dumps(json_format.MessageToDict(reply), indent=2))


if __name__ == "__main__":
    main()
