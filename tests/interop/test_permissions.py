"""Permissions: retrieve, overwrite, update; another user denied, then granted."""

import pytest

from nillion_client import Permissions, PermissionsDelta, SecretInteger
from nillion_client.permissions import PermissionCommand


async def test_defaults_are_the_owners(client):
    values_id = await client.store_values({"p": SecretInteger(1)}, ttl_days=1).invoke()
    permissions = await client.retrieve_permissions(values_id).invoke()
    assert permissions == Permissions.defaults_for_user(client.user_id)


async def test_other_user_denied_then_granted_then_revoked(client, other_client):
    values = {"shared": SecretInteger(99)}
    values_id = await client.store_values(values, ttl_days=1).invoke()

    with pytest.raises(Exception) as error:
        await other_client.retrieve_values(values_id).invoke()
    assert "permission" in str(error.value).lower()

    delta = PermissionsDelta(retrieve=PermissionCommand(grant={other_client.user_id}))
    await client.update_permissions(values_id, delta).invoke()
    assert await other_client.retrieve_values(values_id).invoke() == values

    delta = PermissionsDelta(retrieve=PermissionCommand(revoke={other_client.user_id}))
    await client.update_permissions(values_id, delta).invoke()
    with pytest.raises(Exception):
        await other_client.retrieve_values(values_id).invoke()


async def test_overwrite_replaces_every_permission(client, other_client):
    values_id = await client.store_values({"o": SecretInteger(5)}, ttl_days=1).invoke()
    permissions = Permissions.defaults_for_user(client.user_id).allow_retrieve(other_client.user_id)
    await client.overwrite_permissions(values_id, permissions).invoke()
    assert await client.retrieve_permissions(values_id).invoke() == permissions
    assert await other_client.retrieve_values(values_id).invoke() == {"o": SecretInteger(5)}


async def test_only_the_owner_changes_permissions(client, other_client):
    values_id = await client.store_values({"mine": SecretInteger(1)}, ttl_days=1).invoke()
    permissions = Permissions.defaults_for_user(other_client.user_id)
    with pytest.raises(Exception) as error:
        await other_client.overwrite_permissions(values_id, permissions).invoke()
    assert "permission" in str(error.value).lower()
