"""Transports: native gRPC and the Connect HTTP/1.1 gateway, both over the same service objects."""
