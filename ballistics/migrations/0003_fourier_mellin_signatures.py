"""Recompute every scan's engine features: the fine stage now samples at 20 um
(was 25) and the coarse stage is a Fourier-Mellin signature of another shape
than the polar one it replaces. Scans prepared the old way could not be
compared with new ones.

The features are computed again from the kept original X3P file; where that
file is missing, the signature is computed from the stored prepared surface
(its resolution then stays as it was, and the scan keeps working with the
scans of its own resolution). The engine modules are pure, hence safe here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.db import migrations


def recompute(apps: Any, schema_editor: Any) -> None:
    from ballistics.correlation import coarse, engine
    from ballistics.correlation.preprocess import Prepared
    from ballistics.x3p import X3PError, read_x3p

    Scan = apps.get_model("ballistics", "Scan")
    originals = Path(settings.MEDIA_ROOT) / "ballistics" / "originals"
    for scan in Scan.objects.all().iterator(chunk_size=50):
        path = originals / scan.stored_name
        try:
            features = engine.features(read_x3p(path))
        except (OSError, X3PError):
            side = scan.prepared_side
            heights = np.frombuffer(bytes(scan.prepared), dtype=np.float32)
            if heights.size != side * side:
                continue
            prepared = Prepared(
                heights.reshape(side, side).astype(np.float64), scan.prepared_resolution_um
            )
            Scan.objects.filter(pk=scan.pk).update(signature=coarse.signature(prepared).to_bytes())
            continue
        heights = features.prepared.heights
        Scan.objects.filter(pk=scan.pk).update(
            prepared_side=heights.shape[0],
            prepared_resolution_um=features.prepared.resolution_um,
            prepared=np.ascontiguousarray(heights, dtype=np.float32).tobytes(),
            signature=features.signature.to_bytes(),
        )


class Migration(migrations.Migration):
    dependencies = [("ballistics", "0002_photograph")]

    operations = [migrations.RunPython(recompute, migrations.RunPython.noop)]
