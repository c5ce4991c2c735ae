"""The kinds of direct identifier the firewall names in its refusals.

A kind is what a refusal message says ("a direct identifier (IBAN) is not accepted here"):
it names the rule that was broken, never the value. One module so that every detector and
the firewall agree on the words.
"""

from __future__ import annotations

EMAIL = "e-mail address"
PHONE = "phone number"
CARD = "payment card number"
IBAN = "IBAN"
DOCUMENT = "identity document number"
NAME = "personal name"
ADDRESS = "postal address"
BIRTH_DATE = "date of birth"

KINDS = (EMAIL, PHONE, CARD, IBAN, DOCUMENT, NAME, ADDRESS, BIRTH_DATE)
