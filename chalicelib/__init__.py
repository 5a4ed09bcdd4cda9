"""Yuntong: a Tencent-IM-compatible serverless instant-messaging backend."""
