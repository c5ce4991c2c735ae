"""Cross-client reputation: how far one lender's fraud reports count at another.

`weights` (trust learned from corroboration, the evidence a score reads, the hold of a lone
source in the review band), `reports` (the report log, its listing and revocation with an
audit trail) and `cli` (`anonscore reports list|revoke`). docs/reputation.md has the rules.
"""
