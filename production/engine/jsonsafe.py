"""One conversion of results to what JSON (and a Django JSONField) can carry: `json_safe`.

The rule, everywhere in the code base:
- NaN becomes None (null): there is no value;
- infinity becomes None too, unless the caller says which finite number stands for it (`inf_as`): the QC
  report keeps the loudness of silence (-inf LUFS) as -1e9, a number its readers can still compare;
- numpy scalars become Python numbers, numpy arrays and tuples become lists, mapping keys become strings;
- objects with `to_dict()` and dataclasses are converted through it; anything else JSON has no type for
  becomes its `str()`.
Pure Python and numpy: the engine and the Django services share it.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np


def json_safe(value, *, inf_as: float | None = None):
    """`value` made JSON-safe by the module's rule; `inf_as` (a positive number) stands for +inf, and
    its negative for -inf, where given."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        if math.isnan(number):
            return None
        if math.isinf(number):
            return None if inf_as is None else math.copysign(inf_as, number)
        return number
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict):
        return {str(key): json_safe(item, inf_as=inf_as) for key, item in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [json_safe(item, inf_as=inf_as) for item in (value.tolist() if isinstance(value, np.ndarray) else value)]
    if hasattr(value, "to_dict"):
        return json_safe(value.to_dict(), inf_as=inf_as)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return json_safe(dataclasses.asdict(value), inf_as=inf_as)
    return str(value)
