"""Frozen core models built from values already known to be valid, at a fraction of the cost.

The enrichment builds five small models per mention (sentiment, intent, reach, influence,
urgency) from values it computed itself. pydantic's ``model_construct`` skips validation but
still walks every field's aliases and defaults on each call, about three times the cost of
setting the instance state directly. :func:`trusted_builder` returns a function that sets exactly the
state ``model_construct`` sets when every field is passed (``__dict__`` in field order, every
field in the fields-set, no extra, no private state: the four slots of the pickled state,
``__getstate__``). It compares the two once per class and falls back to ``model_construct``
if pydantic's instance state ever differs. :func:`trusted_copy` is ``model_copy(update=...)``
the same way (the enriched copy of each mention).

Instances of a frozen model built here share one fields-set object per set of names instead
of one set each. Every model the enrichment returns stays alive as long as the caller keeps
it, and each tracked object it owns makes Python's cyclic garbage collector slower (a full
collection visits every live one); a shared set is one object fewer per model, six per
enriched mention. pydantic changes a fields-set in place only on assignment, which a frozen
model refuses, and ``model_copy`` copies the set before it updates it; a caller could still
change it through ``model_fields_set``, so the shared set refuses in-place changes.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel

__all__ = ["ReadOnlyDict", "trusted_builder", "trusted_copy"]

M = TypeVar("M", bound=BaseModel)

_set = object.__setattr__  # frozen models refuse their own __setattr__


def _read_only(self: object, *args: Any, **kwargs: Any) -> Any:
    name = type(self).__name__
    raise TypeError(f"this {name} is shared and read-only; change a copy (dict(...) or set(...))")


class _SharedFieldsSet(set[str]):
    """A fields-set shared by many frozen models: it refuses in-place changes.

    pydantic's ``model_fields_set`` returns the set itself, so a caller's ``fields -= {...}``
    or ``.discard(...)`` would otherwise change every model sharing it. An augmented
    assignment makes a new plain set (as it leaves other instances alone with plain
    pydantic); copies and pickles are plain sets, so ``model_copy`` can update its own.
    """

    __slots__ = ()
    add = discard = remove = pop = clear = update = _read_only
    difference_update = intersection_update = symmetric_difference_update = _read_only

    def __ior__(self, other: Any) -> Any:  # type: ignore[misc]  # NotImplemented: a new object
        return NotImplemented

    __isub__ = __iand__ = __ixor__ = __ior__

    def __copy__(self) -> set[str]:
        return set(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> set[str]:
        return set(self)

    def __reduce__(self) -> tuple[Any, ...]:
        return (set, (list(self),))


class ReadOnlyDict(dict[str, Any]):
    """A dict that refuses changes, for values one frozen model shares with others.

    A shared :class:`~social_listen.core.Score`'s ``inputs`` (see
    :class:`~social_listen.monitor.ReachModel`) must not let one caller's edit reach every
    mention holding it. It equals, dumps, serializes and validates as a plain dict; copies
    and pickles are plain dicts.

    Examples:
        >>> inputs = ReadOnlyDict(followers=5)
        >>> inputs == {"followers": 5}, dict(inputs)
        (True, {'followers': 5})
        >>> inputs["followers"] = 6
        Traceback (most recent call last):
        ...
        TypeError: this ReadOnlyDict is shared and read-only; change a copy (dict(...) or set(...))
    """

    __slots__ = ()
    __setitem__ = __delitem__ = pop = popitem = clear = update = setdefault = _read_only

    def __ior__(self, other: Any) -> Any:  # type: ignore[misc]  # NotImplemented: a new object
        return NotImplemented

    def __copy__(self) -> dict[str, Any]:
        return dict(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        return copy.deepcopy(dict(self), memo)

    def __reduce__(self) -> tuple[Any, ...]:
        return (dict, (dict(self),))


# Fields-set contents -> the one set shared by the frozen models built with it. The shapes
# are few (the fields a connector fills, plus the enrichment's); the bound only keeps a
# pathological caller from growing it.
_SHARED_FIELDS_SETS: dict[frozenset[str], set[str]] = {}
_MAX_SHARED_FIELDS_SETS = 256


def _shared_fields_set(names: set[str]) -> set[str]:
    """The shared, read-only set equal to ``names`` (``names`` itself when the registry is full)."""
    key = frozenset(names)
    shared = _SHARED_FIELDS_SETS.get(key)
    if shared is None:
        if len(_SHARED_FIELDS_SETS) >= _MAX_SHARED_FIELDS_SETS:
            return names
        shared = _SHARED_FIELDS_SETS[key] = _SharedFieldsSet(names)
    return shared


def trusted_builder(cls: type[M], **example: Any) -> Callable[..., M]:
    """A ``cls(**values)`` without validation, for values known to be valid.

    The returned function takes every field of ``cls`` as a keyword, in the order the model
    declares them (so ``__dict__`` is laid out as ``model_construct`` lays it out).

    Args:
        cls: A pydantic model without private attributes, extra fields or post-init hooks.
        example: One valid set of field values, used to check the shortcut against
            ``model_construct`` once.

    Returns:
        The fast builder, or ``cls.model_construct`` when the shortcut does not apply.

    Examples:
        >>> from social_listen.core import Score
        >>> build = trusted_builder(Score, value=1.0, method="m", inputs={}, reasons=())
        >>> build(value=2.0, method="m", inputs={"x": 1}, reasons=()).value
        2.0
    """
    names = tuple(cls.model_fields)
    fields_set = frozenset(names)
    new = cls.__new__
    frozen = bool(cls.model_config.get("frozen"))
    shared_fields_set = _shared_fields_set(set(names))

    def build(**values: Any) -> M:
        # The keywords arrive in a new dict of the call's own: in field order (the usual
        # case) it becomes the instance's __dict__ as is.
        if tuple(values) != names:
            if values.keys() != fields_set:
                raise TypeError(
                    f"{cls.__name__} is built from exactly the fields {names}, got {tuple(values)}"
                )
            values = {name: values[name] for name in names}
        built = new(cls)
        # What model_construct (and __setstate__) set, without their per-call lookups; the
        # dict is laid out in field order whatever order the keywords came in.
        _set(built, "__dict__", values)
        _set(built, "__pydantic_fields_set__", shared_fields_set if frozen else set(fields_set))
        _set(built, "__pydantic_extra__", None)
        _set(built, "__pydantic_private__", None)
        return built

    if (
        tuple(example) != names
        or cls.__pydantic_post_init__
        or cls.__private_attributes__
        or cls.model_config.get("extra") == "allow"
    ):
        return cls.model_construct
    reference = cls.model_construct(**example).__getstate__()
    candidate = build(**example).__getstate__()
    if reference != candidate or list(reference["__dict__"]) != list(candidate["__dict__"]):
        return cls.model_construct  # pragma: no cover - depends on the installed pydantic
    return build


def trusted_copy(model: M, update: Mapping[str, Any]) -> M:
    """``model.model_copy(update=update)`` for values known to be valid, set in one step.

    The same instance state as ``model_copy`` (``__dict__`` with the updates, the fields-set
    with their names; a frozen model's fields-set is shared with the other copies of the same
    shape); a model with extra fields or private state goes through ``model_copy`` itself.

    Examples:
        >>> from social_listen.core import Score
        >>> trusted_copy(Score(value=1.0, method="m"), {"value": 2.0}).value
        2.0
    """
    if model.__pydantic_extra__ is not None or model.__pydantic_private__ is not None:
        return model.model_copy(update=update)
    cls = type(model)
    copied = cls.__new__(cls)
    _set(copied, "__dict__", {**model.__dict__, **update})
    fields_set = model.__pydantic_fields_set__ | update.keys()
    if cls.model_config.get("frozen"):
        fields_set = _shared_fields_set(fields_set)
    _set(copied, "__pydantic_fields_set__", fields_set)
    _set(copied, "__pydantic_extra__", None)
    _set(copied, "__pydantic_private__", None)
    return copied
