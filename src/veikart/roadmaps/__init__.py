"""Plan: the digital roadmap — initiatives, milestones and live targets on the adoption metrics."""
