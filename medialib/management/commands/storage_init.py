"""Prepare the S3 bucket: create it if missing, and make the public buckets'
prefixes readable by anyone through a bucket policy (no object ACLs; the
private prefixes stay private). Idempotent; a no-op with local files."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.management.base import BaseCommand

from nexusone import storage


def public_read_policy(bucket_name: str) -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "NexusOnePublicBuckets",
                "Effect": "Allow",
                "Principal": "*",
                "Action": ["s3:GetObject"],
                "Resource": [f"arn:aws:s3:::{bucket_name}/{prefix}/*" for prefix in settings.STORAGE_PUBLIC_BUCKETS],
            }
        ],
    }


class Command(BaseCommand):
    help = "Create the S3 bucket if needed and apply the public-read policy of the public storage buckets."

    def add_arguments(self, parser):
        parser.add_argument("--no-policy", action="store_true", help="do not touch the bucket policy")

    def handle(self, *args, **options):
        backend = storage.bucket_storage(storage.Bucket.AVATARS)
        if storage.is_local(backend):
            self.stdout.write("Local file storage: nothing to prepare.")
            return
        client = backend.connection.meta.client
        name = backend.bucket_name
        existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
        if name not in existing:
            region = backend.region_name
            extra = {}
            if region and region != "us-east-1":  # us-east-1 refuses an explicit location
                extra = {"CreateBucketConfiguration": {"LocationConstraint": region}}
            client.create_bucket(Bucket=name, **extra)
            self.stdout.write(f"Created bucket {name}.")
        if not options["no_policy"]:
            client.put_bucket_policy(Bucket=name, Policy=json.dumps(public_read_policy(name)))
            self.stdout.write(f"Public-read policy set on {', '.join(settings.STORAGE_PUBLIC_BUCKETS)}.")
