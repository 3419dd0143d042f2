from __future__ import annotations

import pytest

from schulsozial.core.actors import SYSTEM
from schulsozial.notifications import permissions as perms
from schulsozial.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_each_user_reads_and_configures_only_their_own(world):
    worker, principal = world.users["worker"], world.users["principal"]
    note = Notification(recipient=worker, kind="reminder", title="T")
    assert perms.can_read_notification(worker, note)
    assert not perms.can_read_notification(principal, note)
    assert not perms.can_read_notification(SYSTEM, note)
    assert perms.can_change_preference(worker, worker)
    assert not perms.can_change_preference(principal, worker)
    worker.is_active = False
    assert not perms.can_use_notifications(worker)
    assert not perms.feed_may_serve(worker)
