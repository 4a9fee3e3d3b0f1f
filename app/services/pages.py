"""What the lists of every page share: one page of a list, counted up to `COUNT_CAP`, and a
person as a page names them, with their unit (plain rows, never an account to change)."""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, NamedTuple, TypeVar

from app.models.base import pk

if TYPE_CHECKING:
    from app.models import User

# Lists count their items up to this: beyond, « plus de 1 000 » says enough, and a page costs
# the same whatever the size of the base.
COUNT_CAP = 1000

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: its items, where it stands, and how many there are in all."""

    items: list[T]
    page: int
    pages: int  # pages known to exist: more may follow when the total is not exact
    total: int
    total_exact: bool = True

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @classmethod
    def counted(
        cls, items: list[T], page: int, pages: int, counted: int, cap: int = COUNT_CAP
    ) -> "Page[T]":
        """A page whose total was counted up to `cap`: « plus de cap » beyond."""
        exact = counted < cap
        return cls(items, page, pages, counted if exact else cap, exact)


class Person(NamedTuple):
    """A user as pages show them: who, not an account to change."""

    id: int
    name: str
    unit_id: int | None
    is_active: bool

    @classmethod
    def of(cls, user: "User") -> "Person":
        """The person a stored account is."""
        return cls(pk(user), user.name, user.unit_id, user.is_active)


class UnitName(NamedTuple):
    """A unit as pages show it: an id and a name."""

    id: int
    name: str
