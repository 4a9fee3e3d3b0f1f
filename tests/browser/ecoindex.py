"""The EcoIndex of a page (https://www.ecoindex.fr): DOM size, requests and weight, placed on the
quantiles of the HTTP Archive, as the reference implementation computes it."""

QUANTILES_DOM = (
    0,
    47,
    75,
    159,
    233,
    298,
    358,
    417,
    476,
    537,
    603,
    674,
    753,
    843,
    949,
    1076,
    1237,
    1459,
    1801,
    2479,
    594601,
)
QUANTILES_REQUESTS = (
    0,
    2,
    15,
    25,
    34,
    42,
    49,
    56,
    63,
    70,
    78,
    86,
    95,
    105,
    117,
    130,
    147,
    170,
    205,
    281,
    3920,
)
QUANTILES_SIZE_KB = (
    0,
    1.37,
    144.7,
    319.53,
    479.46,
    631.97,
    783.38,
    937.91,
    1098.62,
    1265.47,
    1448.32,
    1648.27,
    1876.08,
    2142.06,
    2465.37,
    2866.31,
    3401.59,
    4155.73,
    5400.08,
    8037.54,
    223212.26,
)
GRADES = (("A", 80), ("B", 70), ("C", 55), ("D", 40), ("E", 25), ("F", 10))


def _position(quantiles: tuple[float, ...], value: float) -> float:
    for i in range(1, len(quantiles)):
        if value < quantiles[i]:
            return i - 1 + (value - quantiles[i - 1]) / (quantiles[i] - quantiles[i - 1])
    return len(quantiles) - 1


def score(dom: int, requests: int, size_kb: float) -> float:
    q_dom = _position(QUANTILES_DOM, dom)
    q_req = _position(QUANTILES_REQUESTS, requests)
    q_size = _position(QUANTILES_SIZE_KB, size_kb)
    return round(100 - 5 * (3 * q_dom + 2 * q_req + q_size) / 6, 1)


def grade(value: float) -> str:
    return next((letter for letter, floor in GRADES if value > floor), "G")
