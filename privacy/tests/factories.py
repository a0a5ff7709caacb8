"""Privacy rows for tests and the route walk (TENANT_FACTORIES)."""

from __future__ import annotations

from privacy.models import ErasureBlock, RetentionPolicy, WorkspaceExport


def make_export(workspace, **fields) -> WorkspaceExport:
    values = {"status": WorkspaceExport.Status.FAILED, "requested_by": workspace.owner, **fields}
    return WorkspaceExport.unscoped.create(workspace=workspace, **values)


def make_block(workspace, **fields) -> ErasureBlock:
    values = {"kind": ErasureBlock.Kind.EMAIL, "digest": f"{workspace.pk:064d}"[-64:], **fields}
    return ErasureBlock.unscoped.create(workspace=workspace, **values)


def make_policy(workspace, **fields) -> RetentionPolicy:
    return RetentionPolicy.unscoped.get_or_create(workspace=workspace, defaults=fields)[0]


TENANT_FACTORIES = {WorkspaceExport: make_export, ErasureBlock: make_block, RetentionPolicy: make_policy}
