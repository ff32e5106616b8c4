"""Close-out (结项): actual results, evaluation, leftover restricted money, the close-out report."""
