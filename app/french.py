"""French wording helpers: plurals chosen by count, in one place."""


def plural(count: int, one: str, many: str) -> str:
    """`one` for 0 and 1 (French puts zero in the singular), `many` from 2 on."""
    return one if abs(count) < 2 else many


def count_of(count: int, one: str, many: str) -> str:
    """« 1 collègue », « 3 collègues »: the count and its word, agreed."""
    return f"{count} {plural(count, one, many)}"
