"""Credentials for account connectors: ``SecretStr`` from arguments or ``SOCIAL_LISTEN_*`` variables.

A connector takes each secret as an argument (``str`` or ``SecretStr``) or, when the argument
is missing, from an environment variable named ``SOCIAL_LISTEN_<CONNECTOR>_<FIELD>``
(``SOCIAL_LISTEN_BLUESKY_APP_PASSWORD``). Secrets are kept as ``SecretStr`` (their repr is
``**********``), travel in headers or request bodies (never in URLs), and are registered with
the redacting log filter (:func:`social_listen.core.register_secret`), so they never reach a
log line, an error message or a repr (reliability rows 28-29).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from pydantic import SecretStr

from social_listen.core import ConfigError, register_secret

__all__ = ["env_var_name", "plain_option", "resolve_secret"]

logger = logging.getLogger(__name__)

ENV_PREFIX = "SOCIAL_LISTEN_"


def env_var_name(connector: str, field: str) -> str:
    """The environment variable that holds one credential of a connector.

    Examples:
        >>> env_var_name("bluesky", "app_password")
        'SOCIAL_LISTEN_BLUESKY_APP_PASSWORD'
    """
    return f"{ENV_PREFIX}{connector}_{field}".upper().replace("-", "_")


def resolve_secret(
    value: str | SecretStr | None,
    *,
    connector: str,
    field: str,
    environ: Mapping[str, str] | None = None,
    required: bool = True,
    how_to_get: str = "",
) -> SecretStr | None:
    """A credential from the argument, else from its ``SOCIAL_LISTEN_*`` variable.

    Args:
        value: The argument the user passed (``None``: read the environment).
        connector: The connector name (``"bluesky"``), used for the variable name and errors.
        field: The credential's option name (``"app_password"``).
        environ: The environment to read (default ``os.environ``).
        required: Raise when the credential is found nowhere.
        how_to_get: Where to get the credential, for the error's hint.

    Returns:
        The secret, registered with the redacting filter, or ``None`` when optional and absent.

    Raises:
        ConfigError: The credential is required and missing or empty.

    Examples:
        >>> resolve_secret(None, connector="x", field="bearer_token",
        ...                environ={"SOCIAL_LISTEN_X_BEARER_TOKEN": "test-bearer"})
        SecretStr('**********')
    """
    variable = env_var_name(connector, field)
    if value is None:
        env = os.environ if environ is None else environ
        raw = env.get(variable)
        value = raw if raw else None
    secret = value if isinstance(value, SecretStr) or value is None else SecretStr(value)
    if secret is None or not secret.get_secret_value().strip():
        if not required:
            return None
        hint = f"pass {field}=... or set {variable}"
        raise ConfigError(
            f"the {field} credential is missing",
            source=connector,
            hint=f"{hint}; {how_to_get}" if how_to_get else hint,
        )
    register_secret(secret)
    return secret


def plain_option(
    value: str | None,
    *,
    connector: str,
    field: str,
    environ: Mapping[str, str] | None = None,
) -> str | None:
    """A non-secret option (identifier, client id) from the argument or its variable."""
    if value:
        return value
    env = os.environ if environ is None else environ
    return env.get(env_var_name(connector, field)) or None
