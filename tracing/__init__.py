"""e-Trace records: firearms, dealers, purchases, recoveries, traces and indicators."""
