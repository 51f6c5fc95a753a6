"""Issue 13's targets as the bench scripts judge them: the verdict on a measured figure, and the
limits more than one script checks."""

BF16_SPEEDUP = 1.7  # --precision bf16: the explanation >= 1.7x faster than f32
EVALUATE_SPEEDUP = 2.0  # evaluate: images x methods per second >= 2x those of 39fa3e8's binary


def verdict(value, limit, at_most=True):
    """'met', or 'missed by N%': how far value is from limit, as a share of the smaller."""
    ok = value <= limit if at_most else value >= limit
    if ok:
        return "met"
    return "missed by %.0f%%" % (100 * (value / limit - 1 if at_most else limit / value - 1))
