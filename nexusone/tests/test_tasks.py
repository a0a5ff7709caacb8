import pytest

from accounts.models import ApiKey
from accounts.tests.factories import make_api_key
from nexusone.tasks import workspace_task


@workspace_task(name="tests.count_keys")
def count_keys(*, workspace_id: int) -> int:
    return ApiKey.objects.count()


@pytest.mark.django_db
def test_workspace_task_runs_inside_its_workspace_scope(world):
    make_api_key(world["A"].workspace)
    make_api_key(world["A"].workspace)
    make_api_key(world["B"].workspace)
    assert count_keys.delay(workspace_id=world["A"].workspace.pk).get() == 2
    assert count_keys.delay(workspace_id=world["B"].workspace.pk).get() == 1
    assert count_keys.delay(workspace_id=987654).get() is None
