"""Deployment artefacts generated from the code: CloudFormation merge template, IAM policies, `make package`."""
