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


@pytest.mark.django_db
def test_a_suspended_workspace_does_no_background_work(world):
    from accounts.models import Workspace

    make_api_key(world["A"].workspace)
    Workspace.objects.filter(pk=world["A"].workspace.pk).update(is_suspended=True)
    assert count_keys.delay(workspace_id=world["A"].workspace.pk).get() is None


@workspace_task(name="tests.count_keys_always", runs_when_suspended=True)
def count_keys_always(*, workspace_id: int) -> int:
    return ApiKey.objects.count()


@pytest.mark.django_db
def test_work_that_gives_back_runs_while_suspended(world):
    from accounts.models import Workspace

    make_api_key(world["A"].workspace)
    Workspace.objects.filter(pk=world["A"].workspace.pk).update(is_suspended=True)
    assert count_keys_always.delay(workspace_id=world["A"].workspace.pk).get() == 1
