"""Breech-face correlation engine: pure numpy/scipy, no database.

preprocess: levelling, firing-pin removal, Gaussian band-pass, resampling.
coarse: a translation-invariant Fourier-Mellin signature that ranks a whole gallery in one
pass and estimates the rotation (modulo 180 degrees).
cmc: the Congruent Matching Cells fine stage (Song 2013/2015), FFT-vectorised.
"""
