"""Demo step, last of all: the county's register, 组织生活 and 发展党员 records enter the audit trail as 新建
(in bulk, as `register_audit.record_untracked` writes them), so that `audit verify` finds the new county 完好."""

from __future__ import annotations

from app.demo.county import DemoStep
from app.services.register_audit import demo_step

DEMO_STEPS = [DemoStep("审计日志（登记记录）", demo_step)]
