"""Helpers shared by the course's assignments: offline data sets and their splits."""
