"""Community funds: the double-entry ledger, donations, receipts and disclosure."""
