"""Generic spiders, one per portal platform (TRS, Hanweb, VSB, UCAP, gkmlpt, static lists)."""
