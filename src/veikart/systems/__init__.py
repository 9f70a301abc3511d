"""Decide: the former organisations' system inventories and the harmonisation decisions."""
