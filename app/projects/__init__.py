"""Projects: plans, workflow, public notice, plan PDFs and public pages."""
