"""The 通报 page and the 约谈与整改 page, and what they share (output folder, open, print, PDF)."""
