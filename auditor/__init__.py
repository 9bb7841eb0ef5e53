"""backup-auditor: audit AWS Backup across an AWS Organization."""

__version__ = "0.1.0"
TOOL_NAME = "backup-auditor"
