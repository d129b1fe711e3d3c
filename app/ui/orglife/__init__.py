"""The 组织生活 page: records, fast entry, import, and the 发展党员 pipeline."""
