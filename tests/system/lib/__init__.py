"""Helpers for the l2tpx system tests (network namespaces, processes,
captures, xl2tpd and l2tpxd drivers, a small L2TP encoder)."""
