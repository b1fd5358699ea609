"""The service layer: one implementation of every RPC, shared by all transports.

Methods take and return protobuf messages and raise errors.ServiceError; the transports in
transport/ only translate (see transport/routing.py).
"""
